"""Reading a credential list (CSV, JSON, JSON Lines, XLSX) into its headers and rows."""

import io
import json
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from directory.errors import InvalidInput
from directory.imports.files import read_table

NO_OBJECTS = "A JSON file must hold an array of objects, or one object per line."


def file_error(content: bytes, filename: str = "") -> str:
    """The one message read_table gives for the file as a whole."""
    with pytest.raises(InvalidInput) as caught:
        read_table(content, filename)
    assert list(caught.value.errors) == ["file"]
    [message] = caught.value.errors["file"]
    return message


def xlsx(*rows, second_sheet=None) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    if second_sheet is not None:
        workbook.create_sheet("Second").append(second_sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# CSV


def test_csv_reads_headers_and_one_dict_per_row():
    table = read_table(b"First Name,Last Name,Zip Code\nAnn,Lee,02134\nBo,Diaz,10001\n",
                       "list.csv")

    assert table.format == "csv"
    assert table.headers == ["First Name", "Last Name", "Zip Code"]
    assert table.rows == [{"First Name": "Ann", "Last Name": "Lee", "Zip Code": "02134"},
                          {"First Name": "Bo", "Last Name": "Diaz", "Zip Code": "10001"}]


def test_csv_headers_are_trimmed():
    table = read_table(b" First Name ,\tLast Name\nAnn,Lee\n")

    assert table.headers == ["First Name", "Last Name"]
    assert table.rows == [{"First Name": "Ann", "Last Name": "Lee"}]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_delimiter_is_sniffed(delimiter):
    content = delimiter.join(["First Name", "Last Name", "City"]) + "\n"
    content += delimiter.join(["Ann", "Lee", "Boston"]) + "\n"

    table = read_table(content.encode())

    assert table.headers == ["First Name", "Last Name", "City"]
    assert table.rows == [{"First Name": "Ann", "Last Name": "Lee", "City": "Boston"}]


def test_a_semicolon_file_keeps_commas_in_its_values():
    table = read_table(b"Name;City\nLee, Ann;Boston, MA\n")

    assert table.rows == [{"Name": "Lee, Ann", "City": "Boston, MA"}]


def test_quoted_fields_keep_delimiters_quotes_and_line_breaks():
    content = (b'"Name, as listed";City;Address\n'
               b'"Lee; Ann";"Boston, MA";"1 Main St\nApt 2"\n'
               b'"O""Neil";Salem;\n')

    table = read_table(content)

    assert table.headers == ["Name, as listed", "City", "Address"]
    assert table.rows == [
        {"Name, as listed": "Lee; Ann", "City": "Boston, MA", "Address": "1 Main St\nApt 2"},
        {"Name, as listed": 'O"Neil', "City": "Salem", "Address": ""},
    ]


def test_blank_lines_anywhere_are_skipped():
    content = b"\n\n  \nFirst Name;Last Name\n\nAnn;Lee\n;\n\t\nBo;Diaz\n\n\n"

    table = read_table(content)

    # The delimiter comes from the header row, not from the blank lines before it.
    assert table.headers == ["First Name", "Last Name"]
    assert table.rows == [{"First Name": "Ann", "Last Name": "Lee"},
                          {"First Name": "Bo", "Last Name": "Diaz"}]


def test_windows_line_endings():
    table = read_table(b"First Name\tLast Name\r\nAnn\tLee\r\n")

    assert table.headers == ["First Name", "Last Name"]
    assert table.rows == [{"First Name": "Ann", "Last Name": "Lee"}]


def test_a_single_column_file():
    table = read_table(b"Certification Number\nNS-1\nNS-2\n")

    assert table.headers == ["Certification Number"]
    assert table.rows == [{"Certification Number": "NS-1"},
                          {"Certification Number": "NS-2"}]


def test_utf8_with_a_byte_order_mark():
    table = read_table("First Name,City\nRenée,Zürich\n".encode("utf-8-sig"))

    assert table.headers == ["First Name", "City"]  # no "\ufeff" on the first header
    assert table.rows == [{"First Name": "Renée", "City": "Zürich"}]


def test_utf8_without_a_byte_order_mark():
    table = read_table("First Name,City\nRenée,Zürich\n".encode())

    assert table.rows == [{"First Name": "Renée", "City": "Zürich"}]


def test_latin1_text_is_read_as_windows_latin1():
    table = read_table("First Name,Last Name\nRenée,Müller\n".encode("latin-1"))

    assert table.rows == [{"First Name": "Renée", "Last Name": "Müller"}]


def test_windows_latin1_curly_quotes():
    # 0x92 is a right single quote in cp1252 (a control character in ISO Latin-1).
    table = read_table("First Name,Last Name\nRenée,O’Neil\n".encode("cp1252"))

    assert table.rows == [{"First Name": "Renée", "Last Name": "O’Neil"}]


def test_a_row_with_more_values_than_headers_keeps_the_extras_under_none():
    table = read_table(b"First Name,Last Name\nAnn,Lee,extra,more\n")

    assert table.rows == [{"First Name": "Ann", "Last Name": "Lee", None: ["extra", "more"]}]


def test_a_row_with_fewer_values_than_headers_lacks_the_rest():
    table = read_table(b"First Name,Last Name,City\nAnn\n")

    assert table.rows == [{"First Name": "Ann"}]


# JSON


def test_json_array_of_objects():
    content = json.dumps([
        {"First Name": "Ann", "Zip": "02134"},
        {"First Name": "Bo", "Email": "bo@example.com"},
    ], indent=2).encode()

    table = read_table(content, "list.json")

    assert table.format == "json"
    # Every key any object has, in the order first seen.
    assert table.headers == ["First Name", "Zip", "Email"]
    assert table.rows == [{"First Name": "Ann", "Zip": "02134"},
                          {"First Name": "Bo", "Email": "bo@example.com"}]


def test_json_values_become_text():
    content = json.dumps([{"zip": 2134, "whole": 3.0, "score": 2.5, "active": True,
                           "email": None, "tags": ["a"], " Spaced Key ": "x"}]).encode()

    table = read_table(content)

    assert table.rows == [{"zip": "2134", "whole": "3", "score": "2.5", "active": "true",
                           "email": None, "tags": '["a"]', "Spaced Key": "x"}]


def test_json_single_object():
    table = read_table(b'{"First Name": "Ann", "Last Name": "Lee"}')

    assert table.format == "json"
    assert table.headers == ["First Name", "Last Name"]
    assert table.rows == [{"First Name": "Ann", "Last Name": "Lee"}]


def test_json_is_recognised_by_content_whatever_the_name():
    content = '\n  [{"First Name": "Renée"}]'.encode("utf-8-sig")

    table = read_table(content, "export.csv")

    assert table.format == "json"
    assert table.rows == [{"First Name": "Renée"}]


def test_json_lines():
    content = b'{"First Name": "Ann", "Id": 1}\n\n{"First Name": "Bo", "Id": 2}\n'

    table = read_table(content, "list.jsonl")

    assert table.format == "json"
    assert table.headers == ["First Name", "Id"]
    assert table.rows == [{"First Name": "Ann", "Id": "1"}, {"First Name": "Bo", "Id": "2"}]


def test_a_json_item_that_is_not_an_object_is_kept_under_none():
    table = read_table(b'[{"First Name": "Ann"}, 5, "text"]')

    assert table.headers == ["First Name"]
    assert table.rows == [{"First Name": "Ann"}, {None: 5}, {None: "text"}]


@pytest.mark.parametrize("content", [b"[1, 2, 3]", b"[]", b'"a list"', b"42"],
                         ids=["numbers", "empty array", "string", "number"])
def test_json_without_any_object_is_refused(content):
    assert file_error(content, "list.json") == NO_OBJECTS


def test_broken_json_array_names_the_line_where_it_broke():
    content = b'[\n  {"First Name": "Ann"},\n  {"First Name": }\n]\n'

    assert file_error(content) == ("The JSON is not valid at line 3: Expecting value. "
                                   "Give an array of objects, or one object per line.")


def test_broken_pretty_printed_object_names_the_line_where_it_broke():
    content = b'{\n  "First Name": "Ann",\n  "Last Name": "Lee"\n  "Zip": "02134"\n}\n'

    assert file_error(content) == ("The JSON is not valid at line 4: Expecting ',' delimiter. "
                                   "Give an array of objects, or one object per line.")


def test_broken_json_lines_name_the_broken_line():
    content = b'{"First Name": "Ann"}\n{"First Name": "Bo"}\n{"First Name": "Cy"\n'

    assert file_error(content) == ("The JSON is not valid at line 3: Expecting ',' delimiter. "
                                   "Give an array of objects, or one object per line.")


def test_a_json_file_that_is_not_json():
    message = file_error(b"First Name,Last Name\nAnn,Lee\n", "list.json")

    assert message.startswith("The JSON is not valid at line 1: ")


# XLSX


def test_xlsx_reads_the_first_sheet_from_its_first_non_empty_row():
    content = xlsx(
        [],
        [None, None],
        ["First Name", "Zip Code", "Certification Number", "Expiration Date", "Issued"],
        ["Ann", 2134, 123456, datetime(2026, 1, 31, 0, 0), date(2023, 2, 1)],
        [None, None, None, None, None],
        ["Bo", "02134", "NS-7", None, None],
        second_sheet=["Not", "This"],
    )

    table = read_table(content, "list.xlsx")

    assert table.format == "xlsx"
    assert table.headers == ["First Name", "Zip Code", "Certification Number",
                             "Expiration Date", "Issued"]
    assert table.rows == [
        # Numbers the spreadsheet stored as numbers come back as their text; dates as dates.
        {"First Name": "Ann", "Zip Code": "2134", "Certification Number": "123456",
         "Expiration Date": date(2026, 1, 31), "Issued": date(2023, 2, 1)},
        {"First Name": "Bo", "Zip Code": "02134", "Certification Number": "NS-7",
         "Expiration Date": None, "Issued": None},
    ]
    assert type(table.rows[0]["Expiration Date"]) is date


def test_xlsx_whole_floats_lose_their_point_and_others_keep_it():
    table = read_table(xlsx(["Zip", "Score"], [2134.0, 2.5]))

    assert table.rows == [{"Zip": "2134", "Score": "2.5"}]


def test_xlsx_headers_are_trimmed_and_empty_header_cells_dropped():
    table = read_table(xlsx([" First Name ", None, "City"], ["Ann", "unnamed", "Boston"]))

    assert table.headers == ["First Name", "City"]
    assert table.rows == [{"First Name": "Ann", "City": "Boston"}]


def test_xlsx_is_recognised_by_content_whatever_the_name():
    assert read_table(xlsx(["Name"], ["Ann"]), "list.csv").format == "xlsx"


def test_xlsx_with_only_a_header():
    assert file_error(xlsx(["First Name", "Last Name"])) == (
        "The file has a header row but no data rows.")


def test_xlsx_with_nothing_in_it():
    assert file_error(xlsx()) == "The file is empty."


# Files that cannot be read


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  "], ids=["empty", "whitespace"])
def test_empty_file(content):
    assert file_error(content) == "The file is empty."


def test_the_error_message_is_the_exception_message_too():
    with pytest.raises(InvalidInput) as caught:
        read_table(b"")

    assert caught.value.message == "The file is empty."


def test_binary_junk_is_refused():
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"

    assert file_error(png, "list.csv") == (
        "This is not a CSV, JSON or XLSX file (it looks binary). "
        "Export the list as CSV, JSON or XLSX.")


def test_a_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")

    message = file_error(buffer.getvalue(), "list.xlsx")

    assert message.startswith("The XLSX file could not be read (")
    assert message.endswith("Save it again from the spreadsheet, or export CSV.")


def test_a_truncated_workbook():
    message = file_error(xlsx(["Name"], ["Ann"])[:200], "list.xlsx")

    assert message.startswith("The XLSX file could not be read (")


@pytest.mark.parametrize("content", [b"First Name,Last Name\n", b"First Name;Last Name\n\n \n",
                                     "\ufeffFirst Name,Last Name".encode()],
                         ids=["header", "header and blank lines", "header with BOM"])
def test_csv_with_a_header_but_no_rows(content):
    assert file_error(content) == "The file has a header row but no data rows."


def test_json_objects_without_keys_have_no_header():
    assert file_error(b"[{}, {}]") == "The file has no header row naming its columns."
