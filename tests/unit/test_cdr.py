"""Reading and matching call-detail records: columns as MCUs name them, times, dial strings, row problems."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from meetings.attendance.cdr import (
    CdrFileError,
    analyse,
    normalise_dial,
    parse_duration,
    parse_time,
    read_rows,
    summarise,
)

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 in Hà Nội
END = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)  # 11:30
WINDOW = (datetime(2026, 12, 1, 0, 0, tzinfo=UTC), datetime(2026, 12, 1, 5, 30, tzinfo=UTC))
PARTICIPANTS = {"thads-an-giang": "sip:thads-an-giang@vc.moj.gov.vn", "thads-ca-mau": "10.20.30.40",
                "moj-hq": "h323:moj-hq@vc.moj.gov.vn"}
REGISTRY = {**PARTICIPANTS, "thads-hue": "sip:thads-hue@vc.moj.gov.vn"}


def run(text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return analyse(data, zone=ZONE, participants=PARTICIPANTS, registry=REGISTRY, window=WINDOW, max_rows=100)


def test_a_cisco_style_export_matches_by_dial_string():
    rows = run("Remote party,Connect time,Disconnect time,Duration\n"
               "sip:thads-an-giang@vc.moj.gov.vn,2026-12-01 07:58:00,2026-12-01 11:31:00,12780\n"
               "\"Cà Mau\" <sip:10.20.30.40:5060;transport=tls>,2026-12-01T08:05:00+07:00,,3600\n")
    assert [(r.line, r.endpoint, r.problem) for r in rows] == [(2, "thads-an-giang", None), (3, "thads-ca-mau", None)]
    assert rows[0].connected_at == datetime(2026, 12, 1, 0, 58, tzinfo=UTC)
    assert rows[1].seconds == 3600  # the end comes from the duration


def test_semicolons_a_bom_and_other_column_names():
    text = "\ufeffRemote Address;Start Time;End Time\nthads-an-giang@vc.moj.gov.vn;01/12/2026 08:00;01/12/2026 11:30\n"
    rows = run(text)
    assert rows[0].endpoint == "thads-an-giang" and rows[0].seconds == 3.5 * 3600


def test_row_problems_are_codes_with_their_line():
    rows = run("Remote party,Connect time,Disconnect time,Duration\n"
               "sip:thads-an-giang@vc.moj.gov.vn,2026-12-01 08:00,2026-12-01 11:30,\n"
               "sip:unknown@vc.moj.gov.vn,2026-12-01 08:00,2026-12-01 11:30,\n"
               "sip:thads-hue@vc.moj.gov.vn,2026-12-01 08:00,2026-12-01 11:30,\n"
               "10.20.30.40,yesterday at eight,2026-12-01 11:30,\n"
               "sip:thads-an-giang@vc.moj.gov.vn,2026-12-01 08:00,2026-12-01 11:30,\n"
               "10.20.30.40,2026-12-01 08:00,2026-12-01 07:00,\n"
               "10.20.30.40,2026-12-02 08:00,2026-12-02 11:00,\n"
               "10.20.30.40,2026-12-01 08:00,2026-12-01 09:00,abc\n"
               "10.20.30.40,2026-12-01 08:00,,\n"
               ",2026-12-01 08:00,2026-12-01 09:00,\n"
               "10.20.30.40,2026-12-01 08:00,2026-12-01 09:00,100\n")
    problems = {row.line: (row.problem, row.detail) for row in rows}
    assert problems[2] == (None, {})
    assert problems[3] == ("unknown_dial", {"dial": "unknown@vc.moj.gov.vn"})
    assert problems[4] == ("not_participant", {"endpoint": "thads-hue"})
    assert problems[5] == ("bad_time", {"column": "connect", "value": "yesterday at eight"})
    assert problems[6] == ("duplicate", {"of_line": 2})
    assert problems[7][0] == "ends_before_start"
    assert problems[8][0] == "outside_meeting"
    assert problems[9] == ("bad_duration", {"value": "abc"})
    assert problems[10][0] == "no_end"
    assert problems[11][0] == "no_dial_string"
    assert problems[12] == ("duration_mismatch", {"seconds": 100, "between": 3600})


@pytest.mark.parametrize("data, code", [
    ("Hội nghị".encode("utf-16"), "not_utf8"),
    (b"Remote party,Connect time,Disconnect time\nsip:a,2026-12-01 08:00,2026-12-01 09:00\n\xff\xfe bad\n", "not_utf8"),
    (b"", "empty"),
    (b"Remote party,Connect time,Disconnect time\n", "no_rows"),
    (b"Caller,When\nsip:a,2026-12-01 08:00\n", "missing_columns"),
    (b"Remote party,Connect time,Disconnect time\n\x00\x00\n", "not_csv"),
])
def test_files_that_cannot_be_read(data, code):
    with pytest.raises(CdrFileError) as error:
        run(data)
    assert error.value.code == code


def test_not_utf8_says_where_and_missing_columns_say_which():
    with pytest.raises(CdrFileError) as error:
        run(b"Remote party,Connect time,Disconnect time\nsip:a,2026-12-01 08:00,2026-12-01 09:00\n\xff\n")
    assert error.value.params == {"line": 3}
    with pytest.raises(CdrFileError) as error:
        run(b"Caller,Connect time\nsip:a,2026-12-01 08:00\n")
    assert error.value.params == {"missing": ["remote", "disconnect"], "found": ["Caller", "Connect time"]}


def test_too_many_rows():
    with pytest.raises(CdrFileError) as error:
        read_rows(b"Remote party,Connect time,Duration\n" + b"a,2026-12-01 08:00,10\n" * 5, max_rows=4)
    assert error.value.code == "too_many_rows"


@pytest.mark.parametrize("raw, expected", [
    ("sip:Thads-An-Giang@VC.moj.gov.vn", "thads-an-giang@vc.moj.gov.vn"),
    ("\"An Giang\" <sips:thads-an-giang@vc.moj.gov.vn:5061;transport=tls>", "thads-an-giang@vc.moj.gov.vn"),
    ("h323:moj-hq@vc.moj.gov.vn", "moj-hq@vc.moj.gov.vn"),
    ("10.20.30.40:1720", "10.20.30.40"),
    ("  tel:+842438123456 ", "+842438123456"),
])
def test_dial_strings_are_compared_without_scheme_port_or_parameters(raw, expected):
    assert normalise_dial(raw) == expected


def test_times_and_durations():
    assert parse_time("2026-12-01T08:00:00Z", ZONE) == datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert parse_time("01/12/2026 08:00:30", ZONE) == datetime(2026, 12, 1, 1, 0, 30, tzinfo=UTC)
    assert parse_time("1796086800", ZONE) == datetime.fromtimestamp(1796086800, UTC)
    assert parse_time("31/02/2026 08:00", ZONE) is None and parse_time("", ZONE) is None
    assert [parse_duration(v) for v in ("3600", "90.4", "1:02:03", "02:03", "x", "1:99")] == [
        3600, 90, 3723, 123, None, None]


def test_summary_merges_reconnections_and_decides_present_or_partial():
    rows = run("Remote party,Connect time,Disconnect time\n"
               "sip:thads-an-giang@vc.moj.gov.vn,2026-12-01 07:55,2026-12-01 09:00\n"
               "sip:thads-an-giang@vc.moj.gov.vn,2026-12-01 08:50,2026-12-01 11:30\n"
               "10.20.30.40,2026-12-01 08:00,2026-12-01 09:00\n")
    calls = {item.endpoint: item for item in summarise(rows, start=START, end=END, present_share=0.75)}
    an_giang = calls["thads-an-giang"]
    assert an_giang.lines == (2, 3) and an_giang.status == "present"
    assert an_giang.connected_seconds == (3 * 3600 + 35 * 60)  # 07:55 to 11:30, the overlap counted once
    assert calls["thads-ca-mau"].status == "partial" and calls["thads-ca-mau"].connected_seconds == 3600
