"""``GET /content/teachers`` and ``GET /content/teachers/{abbreviation}``."""

import datetime

import pytest
from django.core.files.base import ContentFile

from retreats.models import Place
from tests.factories import make_group, make_member, make_retreat, make_teacher, subscribe

pytestmark = pytest.mark.django_db


def teach(teacher, *gatherings):
    for gathering in gatherings:
        gathering.teachers.add(teacher)


@pytest.fixture
def jkr(db):
    teacher = make_teacher(name="Jigme Khyentse", abbreviation="JKR", bio="Born in 1964.")
    teacher.avatar.save("jkr.jpg", ContentFile(b"jpeg bytes"), save=True)
    return teacher


def test_it_lists_the_teachers_of_published_gatherings(api, jkr):
    kps = make_teacher(name="Kangyur Pema", abbreviation="KPS")
    unseen = make_teacher(name="Only in drafts", abbreviation="DRF")
    teach(jkr, make_retreat(), make_retreat(audience="event-participants"))
    teach(kps, make_retreat())
    teach(unseen, make_retreat(status="draft"))

    body = api.get("/api/v1/content/teachers").json()

    assert [(t["abbreviation"], t["gatheringCount"]) for t in body["teachers"]] == [("JKR", 2), ("KPS", 1)]
    assert body["teachers"][0]["avatarUrl"].startswith("/files/teachers/") and body["teachers"][0]["heroUrl"] is None
    assert (body["totalCount"], body["hasMore"]) == (2, False)


def test_it_pages_the_list(api):
    for n in range(3):
        teach(make_teacher(name=f"Teacher {n}", abbreviation=f"T{n}"), make_retreat())

    body = api.get("/api/v1/content/teachers?limit=2&offset=2").json()

    assert [t["abbreviation"] for t in body["teachers"]] == ["T2"]
    assert (body["totalCount"], body["hasMore"]) == (3, False)


def test_it_shows_a_teacher_with_their_gatherings_locked_or_not(user_api, jkr):
    open_one = make_retreat(name="Open", start_date=datetime.date(2024, 5, 1))
    members = make_retreat(name="Members", audience="retreat-group-members", groups=[make_group()])
    draft = make_retreat(name="Draft", status="draft")
    teach(jkr, open_one, members, draft)

    body = user_api.get("/api/v1/content/teachers/JKR").json()

    assert (body["name"], body["bio"], body["gatheringCount"]) == ("Jigme Khyentse", "Born in 1964.", 2)
    assert [(g["name"], g["locked"], g["lockedReason"]) for g in body["gatherings"]] == [
        ("Open", False, None),
        ("Members", True, "subscription_required"),
    ]


def test_a_members_gathering_opens_to_a_member(user_api, user, jkr):
    group = make_group()
    make_member(subscribe(user), group)
    teach(jkr, make_retreat(audience="retreat-group-members", groups=[group]))

    assert user_api.get("/api/v1/content/teachers/JKR").json()["gatherings"][0]["locked"] is False


def test_a_caller_without_a_token_sees_them_locked(api, jkr):
    teach(jkr, make_retreat(audience="free-subscribers"))

    gathering = api.get("/api/v1/content/teachers/JKR").json()["gatherings"][0]

    assert (gathering["locked"], gathering["lockedReason"]) == (True, "auth_required")


def test_a_gathering_shows_its_places_with_their_photos(api, jkr):
    place = Place.objects.create(name="Vajradhara-ling", abbreviation="VL", location="Castelo de Vide")
    place.photo.save("vl.jpg", ContentFile(b"jpeg bytes"), save=True)
    gathering = make_retreat(groups=[make_group()])
    gathering.places.add(place)
    teach(jkr, gathering)

    [shown] = api.get("/api/v1/content/teachers/JKR").json()["gatherings"][0]["places"]
    detail = api.get(f"/api/v1/content/gathering/{gathering.uuid}").json()

    assert (shown["name"], shown["abbreviation"], shown["location"]) == ("Vajradhara-ling", "VL", "Castelo de Vide")
    assert shown["photoUrl"].startswith("/files/places/")
    assert detail["places"] == [shown]


def test_it_answers_404_for_unknown_teachers_and_teachers_of_drafts_only(api):
    teach(make_teacher(abbreviation="DRF"), make_retreat(status="draft"))

    assert api.get("/api/v1/content/teachers/XYZ").json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/content/teachers/DRF").status_code == 404


def test_it_sends_an_etag(api, jkr):
    teach(jkr, make_retreat())
    etag = api.get("/api/v1/content/teachers/JKR")["ETag"]

    assert api.get("/api/v1/content/teachers/JKR", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_detail_costs_the_same_queries_for_one_and_many_gatherings(
    user_api, jkr, django_assert_num_queries, django_capture_on_commit_callbacks
):
    place = Place.objects.create(name="Place", abbreviation="P")
    first = make_retreat()
    first.places.add(place)
    teach(jkr, first)
    # the access profile, the teacher, their gatherings, the gatherings' places
    with django_assert_num_queries(4):
        user_api.get("/api/v1/content/teachers/JKR")

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(8):
            gathering = make_retreat(audience="retreat-group-members" if n % 2 else "free-anyone")
            gathering.places.add(place)
            teach(jkr, gathering)
    with django_assert_num_queries(3):  # the access profile is cached by now
        body = user_api.get("/api/v1/content/teachers/JKR").json()
    assert len(body["gatherings"]) == 9


def test_the_list_costs_the_same_queries_for_one_and_many_teachers(
    user_api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    teach(make_teacher(abbreviation="A1"), make_retreat())
    with django_assert_num_queries(2):  # the access profile, the teachers
        user_api.get("/api/v1/content/teachers")

    with django_capture_on_commit_callbacks(execute=True):
        for n in range(10):
            teach(make_teacher(abbreviation=f"B{n}"), make_retreat(), make_retreat())
    with django_assert_num_queries(1):
        assert len(user_api.get("/api/v1/content/teachers").json()["teachers"]) == 11


@pytest.mark.s3
def test_photo_urls_are_presigned_on_s3(api, s3):
    teacher = make_teacher(abbreviation="JKR")
    teacher.avatar.save("jkr.jpg", ContentFile(b"jpeg bytes"), save=True)
    teach(teacher, make_retreat())

    avatar_url = api.get("/api/v1/content/teachers/JKR").json()["avatarUrl"]

    assert "X-Amz-Signature=" in avatar_url and "/teachers/" in avatar_url
