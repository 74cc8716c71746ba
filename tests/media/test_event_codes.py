"""Event codes parse into dates, teachers, group or type and place (docs/field-notes.md)."""

import datetime

import pytest

from media.filenames import parse_event_code


def test_it_reads_dates_teachers_group_and_place():
    code = parse_event_code("20250426_27-JKR-PP4-CCA")

    assert (code.start_date, code.end_date) == (datetime.date(2025, 4, 26), datetime.date(2025, 4, 27))
    assert (code.teachers, code.group, code.type, code.place, code.problems) == (["JKR"], "PP4", "", "CCA", [])


def test_it_reads_spaces_two_teachers_and_a_kind_of_event():
    code = parse_event_code("20171114_20 - KPS-WFL-ENS-VLH")

    assert code.code == "20171114_20-KPS-WFL-ENS-VLH"
    assert code.end_date == datetime.date(2017, 11, 20)
    assert (code.teachers, code.group, code.type, code.place) == (["KPS", "WFL"], "", "ENS", "VLH")


def test_it_reads_a_month_without_a_day():
    code = parse_event_code("202005-JKR-PP2-VID")

    assert code.month_only
    assert (code.start_date, code.end_date) == (datetime.date(2020, 5, 1), datetime.date(2020, 5, 31))


def test_it_runs_into_the_next_month():
    assert parse_event_code("20250430_02-JKR-PP4-CCA").end_date == datetime.date(2025, 5, 2)


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "empty"), ("Retiro de Setúbal", "no date at the start"), ("20250231-JKR-PP4-CCA", "impossible date")],
)
def test_it_says_what_it_could_not_read(text, problem):
    assert problem in parse_event_code(text).problems
