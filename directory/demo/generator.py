"""A deterministic generator of a realistic demo directory of US trainers.

Trainer i of seed s is always the same person (each index has its own random stream),
so any slice can be generated alone: loads resume and never duplicate, and a million
trainers stream through in constant memory.
"""

from __future__ import annotations

import csv
import random
import tomllib
import unicodedata
from bisect import bisect
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

from directory.geo.gazetteer import Gazetteer, normalize_place_name
from matching.types import CredentialLevel, ExperienceLevel, RiskTier, VerificationStatus

# Share of trainers by their best credential (clinical credentials are rare).
PROFILE_WEIGHTS = {
    CredentialLevel.GENERAL: 58,
    CredentialLevel.SPECIALIST: 24,
    CredentialLevel.PERFORMANCE: 10,
    CredentialLevel.CLINICAL: 8,
}
GENERAL_CERTS = ("NASM-CPT", "ACE-CPT", "ACSM-CPT", "NSCA-CPT", "NCSF-CPT")
# Each specialization with the base certification its holders usually have.
SPECIALIST_CERTS = {"ACE-CMES": "ACE-CPT", "NCSF-MES": "NCSF-CPT", "NASM-CES": "NASM-CPT",
                    "ACSM-EP": None, "EIM": "ACSM-CPT"}
PERFORMANCE_CONDITIONS = ("acl-reconstruction-rehab", "pre-operative-conditioning",
                          "asthma", "chronic-low-back-pain")
# Which condition tiers each kind of trainer plausibly has experience with, and how many.
CONDITION_TIERS = {
    CredentialLevel.GENERAL: ({RiskTier.LOW}, 0, 2),
    CredentialLevel.SPECIALIST: ({RiskTier.LOW, RiskTier.MODERATE}, 2, 4),
    CredentialLevel.CLINICAL: ({RiskTier.LOW, RiskTier.MODERATE, RiskTier.HIGH}, 3, 7),
}
PRICE_FLOOR = {CredentialLevel.GENERAL: 45, CredentialLevel.SPECIALIST: 65,
               CredentialLevel.CLINICAL: 85, CredentialLevel.PERFORMANCE: 60}
CARDIAC = "coronary-artery-disease"
SPANISH_HEAVY_STATES = {"TX", "CA", "FL", "AZ", "NM", "NV"}
OTHER_LANGUAGES = ("zh", "vi", "ko", "fr", "ar", "ru", "tl", "pt", "hi")
FACILITY_KINDS = ("Fitness Studio", "Strength & Wellness", "Movement Clinic", "Health Club",
                  "Performance Center", "Medical Fitness Center")
STREETS = ("Main St", "Oak Ave", "Maple Dr", "Park Blvd", "Cedar Ln", "Elm St", "Lake Rd",
           "Washington Ave", "Hillcrest Dr", "Sunset Blvd")


@dataclass(frozen=True)
class CatalogEntry:
    id: int
    code: str
    issuer: str
    renewal_years: int | None = None
    tier: RiskTier | None = None
    name: str = ""


@dataclass(frozen=True)
class DemoTrainer:
    trainer: dict
    credentials: list[dict]
    conditions: list[dict]


class CityPicker:
    """Picks a ZIP in a US city with probability proportional to the city's population."""

    def __init__(self, cities_csv: Path, gazetteer: Gazetteer):
        self.cities = []
        with open(cities_csv, encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                key = (row["state"], normalize_place_name(row["city"]))
                if key not in gazetteer.cities:
                    raise ValueError(f"{cities_csv}: {row['city']}, {row['state']} is not in "
                                     "the gazetteer")
                self.cities.append((gazetteer.cities[key], int(row["population"])))
        self.cumulative = list(accumulate(population for _, population in self.cities))

    def pick(self, rng: random.Random):
        city, _ = self.cities[bisect(self.cumulative, rng.random() * self.cumulative[-1])]
        i = rng.randrange(len(city.postal_codes))
        return city, city.postal_codes[i], city.points[i]


class DemoDirectory:
    def __init__(self, seed: int, as_of: date, data_dir: Path, gazetteer: Gazetteer,
                 certifications: dict[str, CatalogEntry], conditions: dict[str, CatalogEntry]):
        self.seed, self.as_of = seed, as_of
        self.places = CityPicker(Path(data_dir) / "us_cities.csv", gazetteer)
        names = tomllib.loads((Path(data_dir) / "demo_names.toml").read_text(encoding="utf-8"))
        self.first_names, self.last_names = names["first_names"], names["last_names"]
        self.certifications, self.conditions = certifications, conditions
        self.condition_names = {c.id: c.name for c in conditions.values()}
        missing = ({*GENERAL_CERTS, *SPECIALIST_CERTS, "ACSM-CEP", "CSEP-CEP", "NSCA-CSCS"}
                   - certifications.keys())
        if missing:
            raise ValueError(f"Load the catalogs first; missing: {', '.join(sorted(missing))}")
        if not any(c.tier is RiskTier.HIGH for c in conditions.values()):
            raise ValueError("Load the catalogs first: no high-risk conditions are loaded.")

    @staticmethod
    def external_ref(seed: int, index: int) -> str:
        return f"demo:{seed}:{index}"

    def trainer(self, index: int) -> DemoTrainer:
        """Return demo trainer number `index`: the same for the same seed, always."""
        rng = random.Random(f"{self.seed}:{index}")
        profile = _weighted(rng, PROFILE_WEIGHTS)
        years = rng.randint(1, 12) if profile is CredentialLevel.GENERAL else rng.randint(3, 30)
        codes = self._certification_codes(rng, profile)
        conditions = self._conditions(rng, profile, years)
        fields = self._profile_fields(rng, index, profile, years, conditions)
        credentials = [self._credential(rng, index, k, code, years)
                       for k, code in enumerate(codes)]
        return DemoTrainer(fields, credentials, conditions)

    def _certification_codes(self, rng: random.Random, profile: CredentialLevel) -> list[str]:
        if profile is CredentialLevel.GENERAL:
            return [rng.choice(GENERAL_CERTS)]
        if profile is CredentialLevel.PERFORMANCE:
            return ["NSCA-CSCS"] + (["NSCA-CPT"] if rng.random() < 0.3 else [])
        if profile is CredentialLevel.SPECIALIST:
            special = rng.choice(list(SPECIALIST_CERTS))
            base = SPECIALIST_CERTS[special]
            return [special] + ([base] if base and rng.random() < 0.85 else [])
        codes = ["ACSM-CEP" if rng.random() < 0.9 else "CSEP-CEP"]
        codes += ["EIM"] if rng.random() < 0.3 else []
        return codes + (["ACSM-EP"] if rng.random() < 0.2 else [])

    def _conditions(self, rng: random.Random, profile: CredentialLevel, years: int) -> list[dict]:
        if profile is CredentialLevel.PERFORMANCE:
            pool = [c for c in PERFORMANCE_CONDITIONS if c in self.conditions]
            low, high = 0, 2
        else:
            tiers, low, high = CONDITION_TIERS[profile]
            pool = sorted(code for code, c in self.conditions.items() if c.tier in tiers)
        chosen = rng.sample(pool, min(len(pool), rng.randint(low, high)))
        if profile is CredentialLevel.CLINICAL and not any(
                self.conditions[c].tier is RiskTier.HIGH for c in chosen):
            high_risk = sorted(c for c, e in self.conditions.items() if e.tier is RiskTier.HIGH)
            chosen[0] = rng.choice(high_risk)
        if profile is CredentialLevel.CLINICAL and CARDIAC in self.conditions and \
                rng.random() < 0.5:
            chosen.append(CARDIAC)  # cardiac rehabilitation is the classic clinical setting
        return [self._experience(rng, code, years) for code in dict.fromkeys(chosen)]

    def _experience(self, rng: random.Random, code: str, years: int) -> dict:
        with_condition = rng.randint(1, years)
        level = (ExperienceLevel.EXPERT if with_condition >= 8 else
                 ExperienceLevel.EXPERIENCED if with_condition >= 3 else ExperienceLevel.FAMILIAR)
        return {"condition_id": self.conditions[code].id, "years": with_condition,
                "clients": rng.randint(with_condition, with_condition * 15), "level": level}

    def _profile_fields(self, rng, index, profile, years, conditions) -> dict:
        city, postal_code, (latitude, longitude) = self.places.pick(rng)
        first, last = rng.choice(self.first_names), rng.choice(self.last_names)
        languages = ["en"]
        if rng.random() < (0.3 if city.state in SPANISH_HEAVY_STATES else 0.1):
            languages.append("es")
        if rng.random() < 0.05:
            languages.append(rng.choice(OTHER_LANGUAGES))
        in_person, in_home, virtual = (rng.random() < 0.85, rng.random() < 0.25,
                                       rng.random() < 0.35)
        price_min = PRICE_FLOOR[profile] + 5 * rng.randint(0, 9)
        clinical = profile is CredentialLevel.CLINICAL
        condition_names = [self.condition_names[c["condition_id"]] for c in conditions]
        return {
            "external_ref": self.external_ref(self.seed, index),
            "first_name": first, "last_name": last,
            "email": f"{_ascii(first)}.{_ascii(last)}.{index}@example.com",
            "phone": f"({rng.randint(201, 989)}) 555-01{rng.randint(0, 99):02d}",
            "bio": _bio(profile, years, condition_names),
            "gender": rng.choice(["female", "female", "male", "male", "non_binary", None]),
            "languages": languages,
            "years_experience": years,
            "accepting_new_clients": rng.random() < 0.8,
            "offers_in_person": in_person or not (in_home or virtual),
            "offers_in_home": in_home,
            "offers_virtual": virtual,
            "service_radius_km": float(rng.choice((10, 15, 20, 30, 40))) if in_home else None,
            "price_min": float(price_min),
            "price_max": float(price_min + 5 * rng.randint(0, 8)),
            "currency": "USD",
            "sliding_scale": rng.random() < 0.15,
            "payment_options": ["self_pay"]
            + (["hsa_fsa"] if rng.random() < 0.4 else [])
            + (["employer_benefit"] if rng.random() < 0.15 else [])
            + (["medicare_advantage"] if rng.random() < (0.3 if clinical else 0.08) else []),
            "facility_name": f"{last} {rng.choice(FACILITY_KINDS)}",
            "address_line": f"{rng.randint(1, 9999)} {rng.choice(STREETS)}",
            "city": city.name, "state": city.state, "postal_code": postal_code, "country": "US",
            "accessibility_features": [f for f, p in (("step_free_access", 0.6),
                                                      ("accessible_restroom", 0.45),
                                                      ("accessible_parking", 0.5),
                                                      ("adaptive_equipment", 0.2),
                                                      ("elevator", 0.25)) if rng.random() < p],
            "safety_items": [s for s, p in (("cpr_aed_certified", 0.92), ("aed_on_site", 0.6),
                                            ("first_aid_kit", 0.8),
                                            ("emergency_action_plan", 0.4 + 0.5 * clinical))
                             if rng.random() < p],
            "latitude": latitude, "longitude": longitude, "location_precision": "postal_code",
            "reports_to_doctor": clinical or rng.random() < 0.8,
            "status": "active",
        }

    def _credential(self, rng, index, k, code, years) -> dict:
        certification = self.certifications[code]
        cycle_days = 365 * (certification.renewal_years or 2)
        # Expiry spread over the current renewal cycle; about one in ten already lapsed.
        expires_on = self.as_of + timedelta(days=rng.randint(-cycle_days // 5, cycle_days))
        issued_on = expires_on - timedelta(days=cycle_days * rng.randint(1, max(1, years // 3)))
        roll = rng.random()
        status = (VerificationStatus.REVOKED if roll < 0.01 else
                  VerificationStatus.UNVERIFIED if roll < 0.15 else
                  VerificationStatus.EXPIRED if roll < 0.2 and expires_on <= self.as_of else
                  VerificationStatus.VERIFIED)
        verified = status is VerificationStatus.VERIFIED
        return {
            "certification_id": certification.id,
            "issuer": certification.issuer,
            "credential_number": f"{self.seed}-{index:07d}-{k}",
            "issued_on": issued_on,
            "expires_on": expires_on,
            "status": status,
            "verification_source": f"{certification.issuer} public registry" if verified else None,
            "verified_at": datetime.combine(self.as_of - timedelta(days=rng.randint(1, 300)),
                                            datetime.min.time(), UTC) if verified else None,
        }


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _ascii(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded.lower() if ch.isalnum())


def _bio(profile: CredentialLevel, years: int, condition_names: list[str]) -> str:
    role = {CredentialLevel.GENERAL: "Personal trainer",
            CredentialLevel.SPECIALIST: "Medical exercise specialist",
            CredentialLevel.CLINICAL: "Clinical exercise physiologist",
            CredentialLevel.PERFORMANCE: "Strength and conditioning coach"}[profile]
    text = f"{role} with {years} year{'' if years == 1 else 's'} of experience"
    if condition_names:
        text += " working with clients who have " + ", ".join(n.lower() for n in condition_names)
    return text + "."
