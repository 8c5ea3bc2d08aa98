"""The curators' import pages driven as a browser would, shared by the import tests.

An upload answers 303 to its job's page; tests run jobs as they are queued, so that page
is the job's end already: a preview (with its "Apply this import" form), a refusal, or,
for an applied import, a redirect to the batch's report.
"""

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
PREVIEW_TITLE = "Preview: nothing has been written yet"
REFUSED_TITLE = "The import was refused; nothing changed"


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


def job_id_of(response) -> int:
    """The job an upload or an apply queued, from its 303 answer."""
    assert response.status_code == 303, (response.status_code, text(response)[:500])
    match = re.fullmatch(r"/imports/jobs/(\d+)", response.location)
    assert match, response.location
    return int(match.group(1))


def job_page(client, response):
    """The page of the job that `response` (an upload's or an apply's 303) queued."""
    return client.get(f"/imports/jobs/{job_id_of(response)}")


def previewed(client, content: bytes = LIST, **fields) -> tuple[int, str]:
    """Upload with "Preview first" and open the job's page: the job's id and its
    preview, which must offer to apply it."""
    response = upload(client, content, preview=True, **fields)
    job_id = job_id_of(response)
    page = client.get(f"/imports/jobs/{job_id}")
    assert page.status_code == 200, text(page)[:500]
    assert PREVIEW_TITLE in text(page)
    return job_id, text(page)


def apply_action(job_id: int) -> str:
    return f"/imports/jobs/{job_id}/apply"


def apply(client, job_id: int, page: str, **extra):
    """Submit the preview's "Apply this import" form as `page` rendered it."""
    return client.post(apply_action(job_id),
                       data={**form_fields(page, apply_action(job_id)), **extra})


def report_location(client, response) -> str:
    """Follow a real import's 303 to its job's page, which sends on to the batch's
    report: the report's path."""
    finished = job_page(client, response)
    assert finished.status_code == 302, text(finished)[:500]
    assert re.fullmatch(r"/imports/\d+", finished.location), finished.location
    return finished.location


def batch_id_of(location: str) -> int:
    return int(location.rsplit("/", 1)[1])


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
