"""Read a credential list from CSV, JSON (array or JSON Lines) or XLSX into plain rows.

Every reader returns the file's own headers and one dict of text per data row; mapping
headers onto ReferFit's columns and validating values happen later, per row.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook

from directory.errors import InvalidInput

XLSX_MAGIC = b"PK\x03\x04"
DELIMITERS = ",;\t"
SNIFF_BYTES = 64 * 1024
FORMATS = ("csv", "json", "xlsx")
MAX_UNPACKED_XLSX = 200 * 2**20


@dataclass
class Table:
    headers: list[str]
    rows: list[dict[str, object]]  # header -> value (text, or a date from XLSX)
    format: str


def file_problem(message: str) -> InvalidInput:
    return InvalidInput({"file": [message]}, message=message)


def read_table(content: bytes, filename: str = "") -> Table:
    """Read the file, guessing its format from its content (the name only breaks ties)."""
    if not content.strip():
        raise file_problem("The file is empty.")
    kind = _format(content, filename)
    table = {"csv": _read_csv, "json": _read_json, "xlsx": _read_xlsx}[kind](content)
    if not table.headers:
        raise file_problem("The file has no header row naming its columns.")
    if not table.rows:
        raise file_problem("The file has a header row but no data rows.")
    return table


def _format(content: bytes, filename: str) -> str:
    if content.startswith(XLSX_MAGIC):
        return "xlsx"
    if b"\x00" in content[:SNIFF_BYTES]:
        raise file_problem("This is not a CSV, JSON or XLSX file (it looks binary). "
                           "Export the list as CSV, JSON or XLSX.")
    if filename.lower().endswith((".json", ".jsonl", ".ndjson")):
        return "json"
    if content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "csv"


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without a byte-order mark), else Windows Latin-1, else ISO Latin-1."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes any bytes")


def _read_csv(content: bytes) -> Table:
    text = decode_text(content)
    # The header row tells the delimiter; blank lines before it tell nothing.
    header_line = next((line for line in text[:SNIFF_BYTES].splitlines() if line.strip()), "")
    try:
        dialect = csv.Sniffer().sniff(header_line, delimiters=DELIMITERS)
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","  # one column, or nothing to tell them apart
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        lines = [line for line in reader if any(cell.strip() for cell in line)]
    except csv.Error as error:
        raise file_problem(f"The CSV file could not be read: {error}.") from None
    if not lines:
        raise file_problem("The file is empty.")
    headers = [h.strip() for h in lines[0]]
    rows = []
    for line in lines[1:]:
        row: dict[str, object] = dict(zip(headers, line, strict=False))
        if len(line) > len(headers):
            row[None] = line[len(headers):]  # reported per row: more values than headers
        rows.append(row)
    return Table(headers, rows, "csv")


def _read_json(content: bytes) -> Table:
    text = decode_text(content).strip()
    try:
        items = json.loads(text)
    except RecursionError:
        raise file_problem("The JSON is nested far too deeply for a list of rows.") from None
    except json.JSONDecodeError as error:
        if text.startswith("[") or text.partition("\n")[0].strip() == "{":
            # An array, or one object spread over lines: its parser knows where it broke.
            raise _invalid_json(error.lineno, error.msg) from None
        items = _json_lines(text)
    if isinstance(items, dict):
        items = [items]
    # Without one object there are no column names ([1, 2], "text", []).
    if not isinstance(items, list) or not any(isinstance(item, dict) for item in items):
        raise file_problem("A JSON file must hold an array of objects, or one object per line.")
    headers: dict[str, None] = {}
    rows = []
    for item in items:
        if isinstance(item, dict):
            headers.update(dict.fromkeys(str(k).strip() for k in item))
            rows.append({str(k).strip(): _json_text(v) for k, v in item.items()})
        else:
            rows.append({None: item})  # reported per row: not an object
    return Table(list(headers), rows, "json")


def _json_lines(text: str) -> list:
    items = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            items.append(json.loads(line))
        except RecursionError:
            raise file_problem(f"The JSON at line {number} is nested far too deeply.") from None
        except json.JSONDecodeError as error:
            raise _invalid_json(number, error.msg) from None
    return items


def _invalid_json(line: int, problem: str) -> InvalidInput:
    return file_problem(f"The JSON is not valid at line {line}: {problem}. "
                        "Give an array of objects, or one object per line.")


def _json_text(value):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool) or isinstance(value, list | dict):
        return json.dumps(value)
    return _number_text(value)


def _read_xlsx(content: bytes) -> Table:
    try:
        _check_unpacked_size(content)
        # With defusedxml installed openpyxl refuses XML entities (a "billion laughs"
        # file, external entities) as invalid XML: a ValueError, here or in the rows.
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            lines = [line for line in sheet.iter_rows(values_only=True)
                     if any(cell not in (None, "") for cell in line)]
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, ParseError) as error:
        reason = str(error).partition("\n")[0]
        raise file_problem(f"The XLSX file could not be read ({reason}). "
                           "Save it again from the spreadsheet, or export CSV.") from None
    if not lines:
        raise file_problem("The file is empty.")
    headers = [str(h).strip() if h is not None else "" for h in lines[0]]
    rows = [{h: _cell(v) for h, v in zip(headers, line, strict=False) if h}
            for line in lines[1:]]
    return Table([h for h in headers if h], rows, "xlsx")


def _check_unpacked_size(content: bytes) -> None:
    """Refuse a workbook that would unpack to far more than any real list (a zip bomb)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_XLSX:
        raise file_problem(f"The XLSX file unpacks to {unpacked // 2**20} MiB, more than a "
                           "credential list needs; export it as CSV instead.")


def _cell(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date) or value is None or isinstance(value, str):
        return value
    return _number_text(value)


def _number_text(value) -> str:
    """Spreadsheets store 2134 as 2134.0: keep whole numbers whole."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
