import orjson
import pytest

from media.read_along import ReadAlongInvalid, ReadAlongTooLarge, parse
from tests.media.read_alongs import document, simple


def test_it_accepts_a_good_read_along_and_counts_it():
    result = parse(simple(), duration=120)

    assert (result.segment_count, result.word_count) == (2, 4)
    assert len(result.checksum) == 64
    assert orjson.loads(result.body)["segments"][0]["words"][0] == {
        "text": "Good",
        "start": 0.0,
        "end": 0.8,
        "confidence": 0.9,
    }


def test_it_gives_the_same_version_to_the_same_document():
    assert parse(simple(), duration=120).checksum == parse(simple(), duration=120).checksum


def test_it_names_the_first_overlapping_segment():
    raw = document(
        *[(i * 5.0, i * 5.0 + 4.0, [("word", i * 5.0, i * 5.0 + 1)]) for i in range(10)],
        (55.0, 62.0, [("eleven", 55.0, 56.0)]),
        (61.2, 63.0, [("twelve", 61.2, 62.5)]),
    )

    with pytest.raises(ReadAlongInvalid) as caught:
        parse(raw, duration=120)

    assert str(caught.value) == "segment 12: starts at 61.2 s, before segment 11 ends (62.0 s)."
    assert caught.value.details == {"segment": 12}


def test_it_refuses_times_past_the_end_of_the_track():
    with pytest.raises(ReadAlongInvalid, match=r"segment 2: ends at 5.0 s, after the track ends \(4.0 s\)"):
        parse(simple(), duration=4)


def test_it_allows_a_little_rounding_past_the_end():
    assert parse(simple(), duration=4.8).segment_count == 2


def test_it_refuses_an_empty_word():
    raw = document((0.0, 2.0, [("Good", 0.0, 0.8), ("  ", 0.9, 2.0)]))

    with pytest.raises(ReadAlongInvalid, match="segment 1, word 2: the word is empty"):
        parse(raw, duration=120)


def test_it_refuses_a_segment_without_words():
    raw = orjson.dumps({"segments": [{"start": 0, "end": 1, "words": []}]})

    with pytest.raises(ReadAlongInvalid, match="segment 1: has no words"):
        parse(raw, duration=120)


def test_it_refuses_a_confidence_outside_0_to_1():
    raw = orjson.dumps(
        {"segments": [{"start": 0, "end": 1, "words": [{"text": "a", "start": 0, "end": 1, "confidence": 1.5}]}]}
    )

    with pytest.raises(
        ReadAlongInvalid, match=r"segment 1, word 1: confidence must be a number from 0 to 1 \(it is 1.5\)"
    ):
        parse(raw, duration=120)


def test_it_refuses_words_out_of_order():
    raw = document((0.0, 3.0, [("one", 1.0, 2.0), ("two", 1.5, 2.5)]))

    with pytest.raises(ReadAlongInvalid, match=r"segment 1, word 2: starts at 1.5 s, before word 1 ends \(2.0 s\)"):
        parse(raw, duration=120)


def test_it_refuses_a_word_outside_its_segment():
    raw = document((1.0, 3.0, [("one", 0.5, 2.0)]))

    with pytest.raises(ReadAlongInvalid, match="segment 1, word 1: 0.5–2.0 s lies outside its segment"):
        parse(raw, duration=120)


def test_it_refuses_a_segment_that_ends_before_it_starts():
    with pytest.raises(ReadAlongInvalid, match=r"segment 1: ends at 1.0 s, not after it starts \(2.0 s\)"):
        parse(document((2.0, 1.0, [("a", 2.0, 2.0)])), duration=120)


@pytest.mark.parametrize("value", ["1", True, None])
def test_it_refuses_times_that_are_not_numbers(value):
    raw = orjson.dumps({"segments": [{"start": value, "end": 1, "words": [{"text": "a", "start": 0, "end": 1}]}]})

    with pytest.raises(ReadAlongInvalid, match="segment 1: start and end must be numbers of seconds"):
        parse(raw, duration=120)


def test_it_refuses_what_is_not_json():
    with pytest.raises(ReadAlongInvalid, match=r"The read-along is not JSON \(line 1, column"):
        parse(b"segments: [1, 2]", duration=120)


@pytest.mark.parametrize("raw", [b"[]", b'{"words": []}', b'{"segments": {}}'])
def test_it_refuses_json_of_another_shape(raw):
    with pytest.raises(ReadAlongInvalid, match="must be a JSON object with a list of segments"):
        parse(raw, duration=120)


def test_it_refuses_a_huge_read_along_before_reading_it(settings):
    settings.READ_ALONG_MAX_BYTES = 1000

    with pytest.raises(ReadAlongTooLarge) as caught:
        parse(b" " * 1001, duration=120)

    assert caught.value.code == "request_too_large"
    assert caught.value.details == {"maxBytes": 1000}


def test_it_refuses_a_track_whose_duration_is_not_known():
    with pytest.raises(ReadAlongInvalid, match="duration is not known yet"):
        parse(simple(), duration=0)
