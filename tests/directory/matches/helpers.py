"""Calls of POST /api/v1/matches shared by the matching tests."""

from __future__ import annotations

URL = "/api/v1/matches"
UNVERIFIED = {"status": "unverified", "verification_source": None}
CAD_NEEDS_CLINICAL = ("Coronary artery disease / cardiac rehabilitation needs a verified "
                      "clinical-level credential")


def match(client, **body) -> dict:
    body.setdefault("near", "60601")
    response = client.post(URL, json=body)
    assert response.status_code == 200, response.json
    return response.json


def refused(client, body: dict) -> dict:
    response = client.post(URL, json=body)
    assert response.status_code == 422, response.json
    return response.json["errors"]["json"]


def matched(body) -> list[str]:
    return [m["trainer"]["name"] for m in body["matches"]]


def excluded(body) -> dict[str, list[str]]:
    return {e["name"]: e["reasons"] for e in body["excluded"]}


def by_name(body) -> dict[str, dict]:
    return {m["trainer"]["name"]: m for m in body["matches"]}
