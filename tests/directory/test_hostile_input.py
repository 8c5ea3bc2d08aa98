"""Hostile input answers a clear 4xx, never a 500: deep JSON, NUL characters and lone
surrogates anywhere input comes in, entity-laden spreadsheets, empty PATCHes and numbers
for booleans."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import Workbook

from tests.directory.imports.helpers import refusal_of, report_of, upload
from tests.factories import make_trainer

DEEP = ("[" * 2000 + "]" * 2000).encode()  # about 4 KB; 2,000 deep exhausts recursion
JSON_ENDPOINTS = [("POST", "/api/v1/matches"), ("POST", "/api/v1/auth/tokens"),
                  ("POST", "/api/v1/screening"), ("POST", "/api/v1/trainers")]


def send(client, method: str, path: str, raw: bytes):
    return client.open(path, method=method, data=raw, content_type="application/json")


@pytest.mark.parametrize(("method", "path"), JSON_ENDPOINTS)
def test_json_nested_thousands_deep_is_a_400(curator, method, path):
    refused = send(curator, method, path, DEEP)
    assert refused.status_code == 400
    assert refused.json["message"] == "The JSON body is nested more than 32 levels deep."


def test_json_a_little_too_deep_is_a_400_too(curator):
    body = {"near": "10001"}
    for _ in range(40):
        body = {"nested": body}
    refused = send(curator, "POST", "/api/v1/matches", json.dumps(body).encode())
    assert refused.status_code == 400


@pytest.mark.parametrize("bad", ["\\ud800", "\\u0000"])
def test_a_lone_surrogate_or_nul_in_a_json_string_is_a_400(curator, session, bad):
    trainer = make_trainer(session)
    raw = f'{{"bio": "Coach {bad} here"}}'.encode()
    refused = send(curator, "PATCH", f"/api/v1/trainers/{trainer.id}", raw)
    assert refused.status_code == 400
    assert refused.json["message"].startswith("The JSON value at body.'bio' holds ")
    session.refresh(trainer)
    assert trainer.bio == "Clinical exercise physiologist."


def test_a_nul_in_a_json_key_is_a_400(client):
    refused = send(client, "POST", "/api/v1/matches", b'{"ne\\u0000ar": "10001"}')
    assert (refused.status_code, refused.json["message"]) == (
        400, "A key in the JSON body holds a NUL character.")


def test_a_nul_in_the_query_string_is_a_400(curator):
    refused = curator.get("/api/v1/reviews?issuer=%00")
    assert refused.status_code == 400
    assert refused.json["message"] == "The query string field 'issuer' holds a NUL character."


def test_a_nul_in_a_page_form_is_a_400_page(client):
    refused = client.post("/login", data={"email": "a\x00@example.com", "password": "x"})
    assert refused.status_code == 400 and refused.mimetype == "text/html"
    assert "holds a NUL character" in refused.get_data(as_text=True)


def test_a_nul_in_a_multipart_page_form_is_a_400_too(client):
    refused = client.post("/login", data={"email": "a\x00@example.com", "password": "x"},
                          content_type="multipart/form-data")
    assert refused.status_code == 400
    assert "holds a NUL character" in refused.get_data(as_text=True)


def test_a_nul_in_an_upload_s_form_field_is_a_400(curator):
    refused = upload(curator, b"first_name,last_name\nA,B\n", issuer="NS\x00CA")
    assert refused.status_code == 400
    assert refused.json["message"] == "The form field 'issuer' holds a NUL character."


def test_a_list_row_holding_a_nul_is_rejected_and_the_others_go_on(curator):
    rows = [{"first_name": "Zoe", "last_name": "New\u0000man", "certification": "NSCA-CPT",
             "credential_number": "NS-1", "postal_code": "98101"},
            {"first_name": "Ann", "last_name": "Lee", "certification": "NSCA-CPT",
             "credential_number": "NS-2", "postal_code": "98101"}]
    report = report_of(curator, upload(curator, json.dumps(rows).encode(),
                                       filename="list.json"))
    bad, good = report["rows"]
    assert bad["action"] == "rejected"
    assert bad["errors"][0]["message"] == ("This value holds a NUL character: correct it in "
                                           "the file.")
    assert good["action"] == "created"


def test_a_json_list_nested_thousands_deep_is_refused(curator):
    refused = refusal_of(curator, upload(curator, DEEP, filename="list.json"))
    assert refused["file"] == ["The JSON is nested far too deeply for a list of rows."]


def test_a_spreadsheet_with_xml_entities_is_refused(curator):
    """A "billion laughs" workbook: entities that would expand to gigabytes."""
    refused = refusal_of(curator, upload(curator, laughing_workbook(), filename="list.xlsx"))
    assert refused["file"][0].startswith("The XLSX file could not be read (")


def laughing_workbook() -> bytes:
    book = Workbook()
    book.active.append(["first_name", "last_name"])
    book.active.append(["Ann", "Lee"])
    plain = io.BytesIO()
    book.save(plain)
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10 if n else "ha"}">'
                       for n in range(10))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, _, rest = data.decode().partition("?>")
                data = f"{head}?><!DOCTYPE worksheet [{entities}]>{rest}".replace(
                    "<v>", "<v>&e9;", 1).encode()
            target.writestr(item, data)
    return out.getvalue()


def test_a_patch_with_nothing_to_change_is_a_422(curator, session):
    trainer = make_trainer(session)
    for body in (None, {}):
        refused = curator.patch(f"/api/v1/trainers/{trainer.id}", json=body)
        assert refused.status_code == 422, body
        assert refused.json["errors"]["json"] == {"_schema": [
            "Send at least one field to change."]}
    credential = trainer.credentials[0]
    refused = curator.patch(f"/api/v1/credentials/{credential.id}", json={})
    assert refused.status_code == 422


@pytest.mark.parametrize("number", [0, 1])
def test_a_number_is_not_a_boolean(client, number):
    refused = client.post("/api/v1/screening", json={
        "exercises_regularly": False, "known_disease": False, "symptoms": number,
        "desired_intensity": "moderate"})
    assert refused.status_code == 422
    assert refused.json["errors"]["json"] == {"symptoms": ["Not a valid boolean."]}


def test_an_address_over_4_kb_is_a_json_414(client):
    refused = client.get("/api/v1/trainers?q=" + "a" * 5000)
    assert (refused.status_code, refused.json["message"]) == (
        414, "The address is longer than 4,096 characters; shorten the query.")
    assert client.get("/search?q=" + "a" * 5000).status_code == 414
