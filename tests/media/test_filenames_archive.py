"""The parser on the archive's other naming schemes (docs/field-notes.md): names with only a
date and a part or session number, legacy numbered names, Portuguese months, unknown codes."""

import datetime

from media.filenames import pair_with_originals, parse_filename, unpaired_translations

SPEAKERS = {"JKR": "JKR", "KPS": "KPS", "PWR": "PWR", "TPWR": "PWR"}


def parse(name, **kwargs):
    kwargs.setdefault("speakers", SPEAKERS)
    kwargs.setdefault("default_year", 2017)
    return parse_filename(name, **kwargs)


def test_it_orders_names_with_only_a_date_and_a_part():
    names = ["2017-11-15 PM.mp3", "2017-11-15 AM part 2.mp3", "2017-11-14 PM.mp3", "2017-11-15 AM_part_1.mp3"]

    ordered = sorted((parse(n) for n in names), key=lambda p: p.order_key)

    assert [p.filename for p in ordered] == [
        "2017-11-14 PM.mp3", "2017-11-15 AM_part_1.mp3", "2017-11-15 AM part 2.mp3", "2017-11-15 PM.mp3",
    ]  # fmt: skip
    assert all(p.number is None and p.title == "" for p in ordered)


def test_it_reads_a_portuguese_day_month_and_a_session_number():
    p = parse("15 Novembro - Sessão 3.mp3")

    assert (p.number, p.date, p.session_number, p.title) == (None, datetime.date(2017, 11, 15), 3, "")


def test_it_reads_legacy_numbered_names():
    assert (parse("Faixa 07.mp3").number, parse("Faixa 07.mp3").title) == (7, "")
    assert (parse("CD1 Faixa 05 - Intro.mp3").number, parse("CD1 Faixa 05 - Intro.mp3").title) == (5, "Intro")
    assert parse("Track 12.m4a").number == 12


def test_it_keeps_an_unknown_second_speaker_out_of_the_title():
    p = parse("003 JKR+XYZ - Two voices.mp3")

    assert (p.speakers, p.unknown_codes, p.title) == (["JKR"], ["XYZ"], "Two voices")


def test_it_leaves_capital_words_of_a_title_alone():
    assert parse("001 THE practice.mp3").title == "THE practice"


def test_it_pairs_a_translation_with_an_original_of_an_earlier_batch():
    parsed = [parse("004 TRAD - Quatro.mp3"), parse("005 TRAD - Cinco.mp3")]

    pairs = pair_with_originals(parsed, existing={4})

    assert pairs == {0: 4}
    assert unpaired_translations(parsed, pairs) == [1]
