"""Write the sample credential lists in data/samples/, made against the demo directory.

Usage:  .venv/bin/python scripts/make_sample_lists.py

`make run` loads demo trainers 0..1999 of seed 1; these lists name some of them the way
certifying bodies' exports would: an NSCA list (the NSCA's own headers, comma-separated,
US dates) and an ACSM list of partly the same people (ACSM headers, semicolons, other
date formats) with nicknames, case and spacing, typos and moved addresses, plus new
people, a namesake with nothing but a name, and a row with an impossible date. The same
output every time: the demo generator is deterministic per seed and index.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

from directory import create_app
from directory.catalogs.services import load_catalogs
from directory.config import REPO_ROOT
from directory.demo.services import demo_directory
from directory.extensions import db
from directory.geo.gazetteer import gazetteer, normalize_place_name

OUT = REPO_ROOT / "data" / "samples"
NSCA_HEADERS = ["FirstName", "LastName", "Credential", "Certification ID", "Cert Status",
                "Certified Date", "Recertification Date", "E-mail", "Phone", "City",
                "State/Province", "Postal Code"]
ACSM_HEADERS = ["First Name", "Last Name", "Certification", "Certification Number",
                "Certification Status", "Expiration Date", "Email Address", "Phone Number",
                "City", "State", "Zip Code"]
NICKNAMES = {"Robert": "Bob", "William": "Bill", "James": "Jim", "Michael": "Mike",
             "Elizabeth": "Liz", "Jennifer": "Jen", "Richard": "Rick", "Thomas": "Tom",
             "Joseph": "Joe", "Katherine": "Kate", "Patricia": "Trish", "Daniel": "Dan"}
NEW_PEOPLE = [("Imani", "Okonkwo", "Atlanta", "GA", "30303"),
              ("Tomasz", "Wójcik", "Chicago", "IL", "60614"),
              ("Leilani", "Kahale", "Honolulu", "HI", "96813"),
              ("Rafael", "Quintero", "San Antonio", "TX", "78205")]


def demo_people(count: int = 2000) -> list[dict]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    with app.app_context():
        db.create_all()
        load_catalogs(db.session, app.config["DATA_DIR"])
        generator = demo_directory(db.session, 1, date(2026, 1, 1), app.config["DATA_DIR"])
        return [generator.trainer(i).trainer for i in range(count)]


def nsca_rows(people: list[dict], rng: random.Random) -> list[list[str]]:
    rows = []
    for k, p in enumerate(people[:24]):
        credential = "CSCS" if k % 3 else "NSCA Certified Personal Trainer"
        rows.append([p["first_name"], p["last_name"], credential, f"NSCA-{704100 + k}",
                     "Certified", f"{rng.randint(1, 12):02d}/15/2021",
                     f"{rng.randint(1, 12):02d}/28/2028", p["email"], p["phone"], p["city"],
                     p["state"], p["postal_code"]])
    for k, (first, last, city, state, postal) in enumerate(NEW_PEOPLE):
        rows.append([first, last, "CSCS", f"NSCA-{705100 + k}", "Certified", "06/01/2022",
                     "06/30/2028", f"{first.lower()}.{last.lower()}@example.net", "",
                     city, state, postal])
    namesake = people[30]  # the same name, nothing else: a curator must decide
    rows.append([namesake["first_name"], namesake["last_name"], "CSCS", "NSCA-705900",
                 "Certified", "", "03/31/2029", "", "", "", "", ""])
    rows.append(["Dana", "Whitfield", "CSCS", "NSCA-705901", "Certified", "", "02/30/2028",
                 "", "", "Denver", "CO", "80202"])  # an impossible date: rejected
    return rows


def acsm_rows(people: list[dict]) -> list[list[str]]:
    rows = []
    for k, p in enumerate(people[:12]):  # people the NSCA list named too
        first, last, email = p["first_name"], p["last_name"], p["email"]
        postal = p["postal_code"]
        if k % 4 == 0:
            first = NICKNAMES.get(first, first.upper())  # a nickname, or shouted
        elif k % 4 == 1:
            last = f"  {last.lower()} "  # stray spaces and case
        elif k % 4 == 2:
            last = last[:-1] + last[-1] * 2 if len(last) > 3 else last  # a typo
            email = email.upper()
        else:
            postal = other_zip(p)  # moved across town
        rows.append([first, last, "ACSM Certified Personal Trainer", f"acsm-{880100 + k}",
                     "Active", f"2028-{k % 12 + 1:02d}-01", email, p["phone"], p["city"],
                     p["state"], postal])
    for k, p in enumerate(people[40:46]):  # demo trainers the NSCA list did not name
        rows.append([p["first_name"], p["last_name"], "Clinical Exercise Physiologist",
                     f"acsm-{880200 + k}", "Active", "2029-01-31", p["email"], p["phone"],
                     p["city"], p["state"], p["postal_code"]])
    first, last, city, state, postal = NEW_PEOPLE[0]  # new on the NSCA list, now known
    rows.append([first, last + "e", "ACSM Certified Exercise Physiologist", "acsm-880300",
                 "Active", "2027-11-30", f"{first.lower()}.{last.lower()}@example.net", "",
                 city, state, postal])
    rows.append(["Marisol", "Ybarra", "ACSM CEP", "acsm-880301", "Active", "2028-08-31",
                 "", "", "Tucson", "AZ", "85701"])
    return rows


def other_zip(person: dict) -> str:
    city = gazetteer().cities[(person["state"], normalize_place_name(person["city"]))]
    return next((z for z in sorted(city.postal_codes) if z != person["postal_code"]),
                person["postal_code"])


def write(path: Path, headers: list[str], rows: list[list[str]], delimiter: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    people = demo_people()
    write(OUT / "nsca-list.csv", NSCA_HEADERS, nsca_rows(people, random.Random(7)), ",")
    write(OUT / "acsm-list.csv", ACSM_HEADERS, acsm_rows(people), ";")
    print(f"Wrote {OUT / 'nsca-list.csv'} and {OUT / 'acsm-list.csv'}")


if __name__ == "__main__":
    main()
