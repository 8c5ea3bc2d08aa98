"""The curators' import pages driven as a browser would, shared by the import tests."""

from __future__ import annotations

import html
import io
import re

from tests.web import csrf_token

HEADER = ("first_name,last_name,certification,credential_number,status,expires_on,email,"
          "city,state,postal_code\n")
# Smith is linked, Newman created; both Millers wait for review: NS-1004 has no place
# (two namesakes match only by name), NS-1007 lives where neither namesake does.
LIST = (HEADER
        + "Robert,Smith,NSCA-CSCS,NS-1001,verified,2028-03-31,,Chicago,IL,60614\n"
        + "Zoe,Newman,NSCA-CPT,NS-1003,verified,2027-06-30,zoe@example.com,Seattle,WA,98101\n"
        + "John,Miller,NSCA-CSCS,NS-1004,verified,2029-01-15,john.miller@example.org,,,\n"
        + "John,Miller,NSCA-CSCS,NS-1007,verified,2029-01-15,,Dallas,TX,75201\n").encode()


def upload(client, content: bytes, preview: bool = True, filename: str = "nsca.csv",
           **fields):
    """Submit the upload form as the page renders it, "Preview first" as chosen."""
    data = {"csrf_token": csrf_token(client, "/imports"),
            "file": (io.BytesIO(content), filename), "issuer": "NSCA", "profile": "",
            "mapping": "", **fields}
    if preview:
        data["dry_run"] = "y"
    return client.post("/imports", data=data, content_type="multipart/form-data")


def text(response) -> str:
    return response.get_data(as_text=True)


def form_fields(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to `action`."""
    match = re.search(rf'<form method="post" action="{re.escape(action)}">(.*?)</form>',
                      page, re.S)
    assert match, f"no form posting to {action}"
    fields = {}
    for tag in re.findall(r"<input[^>]*>", match.group(1)):
        name = re.search(r'name="([^"]*)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        fields[name] = html.unescape(value.group(1)) if value else ""
    return fields
