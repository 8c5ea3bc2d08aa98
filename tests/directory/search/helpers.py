"""Calls of GET /api/v1/trainers shared by the search tests."""

from __future__ import annotations

URL = "/api/v1/trainers"


def search(client, **query) -> dict:
    response = client.get(URL, query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def names(body) -> list[str]:
    return [item["last_name"] for item in body["items"]]
