"""csvfmt: Bulk result CSV bytes (spec §3.4) and ingest upload parsing (spec §4.6)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from emulator.bulk.csvfmt import (
    CsvDialect,
    IngestCsvError,
    RowRenderer,
    java_double,
    parse_ingest_csv,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "1.0"),
        (9.5e8, "9.5E8"),
        (1.6147805824397e13, "1.6147805824397E13"),
        (912260031.0, "9.12260031E8"),
        (0.001, "0.001"),
        (0.0001, "1.0E-4"),
        (0.00099, "9.9E-4"),
        (1e7, "1.0E7"),
        (9999999.0, "9999999.0"),
        (1234567.8, "1234567.8"),
        (-2.5, "-2.5"),
        (-9.5e8, "-9.5E8"),
        (100.0, "100.0"),
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (1e21, "1.0E21"),
        (2e23, "2.0E23"),
        (1.7976931348623157e308, "1.7976931348623157E308"),
        (5e-324, "4.9E-324"),
        (float("nan"), "NaN"),
        (float("inf"), "Infinity"),
    ],
)
def test_java_double_known_values_match_java_double_tostring(value: float, expected: str) -> None:
    assert java_double(value) == expected


def test_java_double_output_round_trips_for_many_magnitudes() -> None:
    for exponent in range(-12, 22):
        for mantissa in (1.0, 1.5, 3.14159, 9.999999):
            value = mantissa * 10.0**exponent
            assert float(java_double(value)) == value


def _render(types: list[str], rows: list[tuple], dialect: CsvDialect | None = None) -> str:
    renderer = RowRenderer(types, dialect or CsvDialect())
    return renderer.header([f"c{i}" for i in range(len(types))]) + "".join(renderer.rows(rows))


def test_row_renderer_typed_values_render_salesforce_forms() -> None:
    moment = dt.datetime(2023, 10, 22, 6, 25, 12, 345678, tzinfo=dt.UTC)
    types = ["id", "boolean", "datetime", "date", "time", "double", "currency", "int", "percent"]
    row = (
        "001R0000003hBbLIAU",
        False,
        moment,
        dt.date(2023, 10, 22),
        dt.time(6, 25, 12),
        9.5e8,
        Decimal("12.50"),
        42,
        12.5,
    )
    text = _render(types, [row])
    assert text.splitlines()[1] == (
        '"001R0000003hBbLIAU","false","2023-10-22T06:25:12.345Z","2023-10-22","06:25:12.000Z",'
        '"9.5E8","12.5","42","12.5"'
    )


def test_row_renderer_offset_datetime_is_converted_to_utc() -> None:
    moment = dt.datetime(2024, 1, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert _render(["datetime"], [(moment,)]).endswith('"2024-01-01T00:00:00.000Z"\n')


def test_row_renderer_quotes_newlines_and_delimiters_stay_inside_value() -> None:
    text = _render(["string", "textarea"], [('Acme "Global", Inc.', "line1\nline2\r\nline3")])
    assert text == '"c0","c1"\n"Acme ""Global"", Inc.","line1\nline2\r\nline3"\n'
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[1] == ['Acme "Global", Inc.', "line1\nline2\r\nline3"]


def test_row_renderer_nul_character_in_value_still_yields_right_column_count() -> None:
    text = _render(["string", "string"], [("a\x00b", "c")])
    assert text.splitlines()[1] == '"a\x00b","c"'


def test_row_renderer_null_default_is_quoted_empty() -> None:
    assert _render(["string", "int"], [(None, None)]).splitlines()[1] == '"",""'


def test_row_renderer_null_bare_option_renders_nothing_between_delimiters() -> None:
    dialect = CsvDialect(null_quoted=False)
    assert _render(["string", "int", "string"], [(None, 1, "")], dialect).splitlines()[1] == (
        ',"1",""'
    )


@pytest.mark.parametrize(
    ("name", "char"),
    [
        ("BACKQUOTE", "`"),
        ("CARET", "^"),
        ("COMMA", ","),
        ("PIPE", "|"),
        ("SEMICOLON", ";"),
        ("TAB", "\t"),
    ],
)
def test_row_renderer_column_delimiter_names_map_to_characters(name: str, char: str) -> None:
    text = _render(["string", "string"], [("a", "b")], CsvDialect(column_delimiter=name))
    assert text == f'"c0"{char}"c1"\n"a"{char}"b"\n'


def test_row_renderer_crlf_line_ending_ends_every_line_including_last() -> None:
    text = _render(["string"], [("a",), ("b",)], CsvDialect(line_ending="CRLF"))
    assert text == '"c0"\r\n"a"\r\n"b"\r\n'


def test_row_renderer_integer_field_holding_whole_float_prints_plain() -> None:
    assert _render(["int"], [(7.0,)]).splitlines()[1] == '"7"'


def test_parse_ingest_csv_lf_upload_gives_header_and_rows() -> None:
    table = parse_ingest_csv(b'Name,Description\nAcme,"multi\nline"\nBeta,\n', CsvDialect())
    assert table.header == ("Name", "Description")
    assert table.header_line == "Name,Description"
    assert table.rows == (("Acme", "multi\nline"), ("Beta", ""))


def test_parse_ingest_csv_crlf_header_on_lf_job_fails_with_client_input_error() -> None:
    with pytest.raises(IngestCsvError) as err:
        parse_ingest_csv(b"Name\r\nAcme\r\n", CsvDialect(line_ending="LF"))
    assert err.value.message == (
        "ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF"
    )


def test_parse_ingest_csv_lf_header_on_crlf_job_fails() -> None:
    with pytest.raises(IngestCsvError, match="Current LineEnding setting is CRLF"):
        parse_ingest_csv(b"Name\nAcme\n", CsvDialect(line_ending="CRLF"))


def test_parse_ingest_csv_crlf_job_with_crlf_data_parses() -> None:
    table = parse_ingest_csv(b"Name,X\r\nAcme,1\r\n", CsvDialect(line_ending="CRLF"))
    assert table.rows == (("Acme", "1"),)


def test_parse_ingest_csv_bom_and_pipe_delimiter_are_accepted() -> None:
    data = "\ufeffName|Ext__c\nA|1\n".encode()
    table = parse_ingest_csv(data, CsvDialect(column_delimiter="PIPE"))
    assert table.header == ("Name", "Ext__c")
    assert table.rows == (("A", "1"),)


def test_parse_ingest_csv_duplicate_header_fails() -> None:
    with pytest.raises(IngestCsvError, match="Duplicate field name"):
        parse_ingest_csv(b"Name,name\nA,B\n", CsvDialect())


def test_parse_ingest_csv_empty_upload_fails() -> None:
    with pytest.raises(IngestCsvError, match="InvalidBatch"):
        parse_ingest_csv(b"", CsvDialect())


def test_parse_ingest_csv_oversize_header_fails() -> None:
    header = ",".join(f"F{i}__c" for i in range(6000)).encode()
    with pytest.raises(IngestCsvError, match="32000"):
        parse_ingest_csv(header + b"\n", CsvDialect())


def test_parse_ingest_csv_invalid_utf8_fails() -> None:
    with pytest.raises(IngestCsvError, match="UTF-8"):
        parse_ingest_csv(b"Name\n\xff\xfe\n", CsvDialect())


def test_parse_ingest_csv_na_marker_is_kept_verbatim_for_the_writer() -> None:
    table = parse_ingest_csv(b"Id,Phone\n001,#N/A\n", CsvDialect())
    assert table.rows == (("001", "#N/A"),)
