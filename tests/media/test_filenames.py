"""The filename parser on the archive's real names (docs/field-notes.md)."""

import datetime

import pytest

from media.filenames import pair_translations, parse_filename

SPEAKERS = {"JKR": "JKR", "KPS": "KPS", "PWR": "PWR", "TPWR": "PWR"}
PLACES = {"CCA": "CCA", "HSA": "HSA", "ZOOM": "ZOOM"}


def parse(name, **kwargs):
    kwargs.setdefault("speakers", SPEAKERS)
    kwargs.setdefault("places", PLACES)
    kwargs.setdefault("default_year", 2024)
    return parse_filename(name, **kwargs)


def test_it_reads_number_speaker_title_date_and_part():
    p = parse("001 JKR - The daily practice in three parts-(17 April AM).mp3")

    assert (p.number, p.speakers, p.title) == (1, ["JKR"], "The daily practice in three parts")
    assert p.date == datetime.date(2024, 4, 17)
    assert (p.part, p.session_type, p.language, p.kind) == ("am", "morning", "en", "audio")
    assert not p.is_translation


def test_it_reads_a_portuguese_translation():
    p = parse("001 TRAD - A pratica diaria em tres partes.mp3")

    assert (p.number, p.title, p.language, p.is_translation) == (1, "A pratica diaria em tres partes", "pt", True)
    assert p.speakers == []


def test_it_reads_a_language_tag_and_an_iso_date():
    p = parse("03 KPS [POR] Introducao ao texto 2017-11-15.mp3")

    assert (p.number, p.speakers, p.language, p.title) == (3, ["KPS"], "pt", "Introducao ao texto")
    assert p.date == datetime.date(2017, 11, 15)
    assert p.language_tagged and not p.is_translation


def test_it_reads_a_compact_date_and_a_speaker_alias():
    p = parse("01-TPWR-20030614-KAR.mp3")

    assert (p.number, p.speakers, p.date) == (1, ["PWR"], datetime.date(2003, 6, 14))
    # A lone unknown code is flagged for review, never shown as the title.
    assert p.title == ""
    assert p.unknown_codes == ["KAR"]


def test_it_reads_a_leading_date_and_a_long_language_tag():
    p = parse("2025-10-27-Guru_Yoga [ENG - Audio].m4a")

    assert p.number is None
    assert (p.date, p.title, p.language, p.extension) == (datetime.date(2025, 10, 27), "Guru Yoga", "en", ".m4a")


@pytest.mark.parametrize(
    ("tag", "language"), [("[TIB]", "tib"), ("[ENG]", "en"), ("[POR]", "pt"), ("[FR]", "fr"), ("[ENG - Audio]", "en")]
)
def test_it_reads_every_language_tag(tag, language):
    p = parse(f"12 JKR {tag} Compassion.mp3")

    assert (p.language, p.title, p.speakers) == (language, "Compassion", ["JKR"])


def test_it_reads_two_speakers():
    p = parse("004 KPS+JKR - Dialogue on the view.mp3")

    assert p.speakers == ["KPS", "JKR"]
    assert p.title == "Dialogue on the view"


def test_it_reads_a_teaching_with_its_translation_in_one_recording():
    p = parse("002 JKR+TRAD - Refuge.mp3")

    assert (p.speakers, p.bilingual, p.is_translation, p.language) == (["JKR"], True, False, "en")
    assert (p.languages, p.original_language) == (["en", "pt"], "en")
    assert p.title == "Refuge"


def test_it_reads_the_archive_names_with_two_languages_or_two_speakers():
    bilingual = parse("019 JKR+TRAD - Bodhicitta (17 April AM).mp3")
    two_speakers = parse("016 KPS+JKR - Questions and answers.mp3")

    assert (bilingual.number, bilingual.languages, bilingual.speakers) == (19, ["en", "pt"], ["JKR"])
    assert (two_speakers.number, two_speakers.languages, two_speakers.speakers) == (16, ["en"], ["KPS", "JKR"])


def test_it_leaves_a_translations_original_language_to_its_original():
    p = parse("001 TRAD - A pratica diaria.mp3")

    assert (p.language, p.languages, p.original_language) == ("pt", ["pt"], "")


def test_it_reads_several_languages_from_one_tag():
    p = parse("004 JKR [TIB-ENG] Refuge.mp3")

    assert (p.language, p.languages, p.original_language, p.title) == ("tib", ["tib", "en"], "tib", "Refuge")


@pytest.mark.parametrize(
    ("name", "part", "number"),
    [
        ("05 JKR Calm abiding AM_part_1.mp3", "am", 1),
        ("05 JKR Calm abiding AM-part 2.mp3", "am", 2),
        ("05 JKR Calm abiding PM part2.mp3", "pm", 2),
        ("05 JKR Calm abiding (PM).mp3", "pm", None),
        ("05 JKR Calm abiding-AM.mp3", "am", None),
    ],
)
def test_it_reads_the_part_of_the_day(name, part, number):
    p = parse(name)

    assert (p.part, p.part_number, p.title) == (part, number, "Calm abiding")


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("(17 April AM)", datetime.date(2024, 4, 17)),
        ("(18 Abril PM)", datetime.date(2024, 4, 18)),
        ("(3 Maio)", datetime.date(2024, 5, 3)),
        ("17 April 2019", datetime.date(2019, 4, 17)),
        ("April 17, 2019", datetime.date(2019, 4, 17)),
        ("5 de Outubro de 2018", datetime.date(2018, 10, 5)),
        ("2017-11-15", datetime.date(2017, 11, 15)),
        ("20171115", datetime.date(2017, 11, 15)),
        ("15.11.2017", datetime.date(2017, 11, 15)),
        ("15-11-2017", datetime.date(2017, 11, 15)),
        ("2 Dezembro", datetime.date(2024, 12, 2)),
    ],
)
def test_it_reads_dates_in_several_formats(text, date):
    p = parse(f"07 JKR - Teaching {text}.mp3")

    assert p.date == date
    assert p.title == "Teaching"


def test_it_leaves_the_date_empty_without_a_year_to_complete_it():
    p = parse("001 JKR - Teaching (17 April).mp3", default_year=None)

    assert p.date is None
    assert p.title == "Teaching"


def test_it_ignores_an_impossible_date():
    p = parse("001 JKR - Teaching 2017-02-30.mp3")

    assert p.date is None


def test_it_takes_out_a_known_place():
    p = parse("07 JKR - Teaching ZOOM.mp3")

    assert (p.places, p.title) == (["ZOOM"], "Teaching")


def test_it_keeps_unknown_capitals_in_the_title():
    p = parse("08 JKR - The BBC interview.mp3")

    assert p.title == "The BBC interview"


def test_it_guesses_speakers_when_none_are_known():
    p = parse_filename("004 KPS+JKR - Dialogue.mp3")

    assert p.speakers == ["KPS", "JKR"]


def test_it_does_not_take_an_unknown_code_as_a_speaker_when_speakers_are_known():
    p = parse("004 XYZ - Dialogue.mp3")

    assert p.speakers == []
    # Flagged for review and kept out of the title.
    assert (p.title, p.unknown_codes) == ("Dialogue", ["XYZ"])


def test_it_recognises_transcripts_and_other_files():
    assert parse("001 JKR - Teaching.pdf").kind == "transcript"
    assert parse("notes.txt").kind == "other"
    assert parse("001 JKR - Teaching.MP3").extension == ".mp3"


def test_it_does_not_read_a_month_inside_a_word_as_a_date():
    p = parse("09 JKR - Mayflower and the marching dead.mp3")

    assert p.date is None
    assert p.title == "Mayflower and the marching dead"


def test_it_keeps_a_plain_title_intact():
    p = parse("Guru Yoga.mp3")

    assert (p.number, p.title, p.speakers, p.date) == (None, "Guru Yoga", [], None)


def test_it_strips_folders_from_the_name():
    assert parse("Spring 2024/Day 1/001 JKR - Teaching.mp3").title == "Teaching"


def test_it_pairs_translations_with_their_originals():
    names = [
        "001 JKR - The daily practice.mp3",
        "001 TRAD - A pratica diaria.mp3",
        "002 JKR - Refuge.mp3",
        "003 TRAD - Sem original.mp3",
        "001 JKR - The daily practice.pdf",
    ]

    assert pair_translations([parse(n) for n in names]) == {1: 0}


def test_it_never_fails_on_any_name():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=300, deadline=None)
    @given(st.text(min_size=0, max_size=80), st.sampled_from([".mp3", ".m4a", ".pdf", ""]))
    def check(stem, ext):
        p = parse(stem.replace("/", " ") + ext)
        assert p.title == p.title.strip()
        assert p.number is None or p.number >= 0

    check()


@pytest.mark.parametrize(
    ("name", "practice"),
    [
        ("000 [PRACTICE] Guru Yoga.mp3", True),
        ("003 Prática de Tara.mp3", True),
        ("004 JKR - Recitation of the Seven-Line Prayer.mp3", True),
        ("001 JKR - The daily practice in three parts.mp3", False),
    ],
)
def test_it_guesses_practices_from_a_tag_or_the_first_words(name, practice):
    assert parse(name).is_practice is practice


def test_it_reads_the_part_of_a_session_recorded_in_parts():
    p = parse("005 JKR - Teaching (18 April AM part 2).mp3")

    assert (p.number, p.part, p.part_number, p.is_practice) == (5, "am", 2, False)
