import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from tests.factories import (
    make_catalogue,
    make_group,
    make_member,
    make_retreat,
    make_session,
    make_track,
    subscribe,
)

URL = "/api/v1/content/retreats"
pytestmark = pytest.mark.django_db


def test_it_answers_a_caller_without_a_token_with_the_free_gatherings_only(api):
    group = make_group()
    free = make_retreat(groups=[group], audience="free-anyone")
    make_retreat(groups=[group], audience="free-subscribers")

    gatherings = api.get(URL).json()["retreatGroups"][0]["gatherings"]

    assert {g["id"]: g["locked"] for g in gatherings}[str(free.uuid)] is False
    assert {g["lockedReason"] for g in gatherings if g["locked"]} == {"auth_required"}


def test_it_refuses_a_bad_token(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    response = api.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "invalid_token"


def test_it_lists_groups_with_their_published_gatherings(user_api):
    group, retreats = make_catalogue(gatherings=2, sessions=2, tracks=3)
    make_retreat(groups=[group], status="draft", name="Hidden draft")

    body = user_api.get(URL).json()

    assert body["totalCount"] == 1 and body["hasMore"] is False
    [listed] = body["retreatGroups"]
    assert listed["id"] == str(group.uuid)
    assert listed["imageUrl"] is None
    assert {g["id"] for g in listed["gatherings"]} == {str(r.uuid) for r in retreats}
    gathering = listed["gatherings"][0]
    assert set(gathering) == {
        "id",
        "name",
        "season",
        "year",
        "startDate",
        "endDate",
        "sessionCount",
        "trackCount",
        "audience",
        "locked",
        "lockedReason",
        "duration",
        "languages",
        "practiceCount",
        "transcriptCount",
        "changedAt",
    }
    assert listed["gatheringCount"] == 2
    assert gathering["audience"] == {"slug": "free-anyone", "name": "Free for anyone"}
    assert gathering["lockedReason"] is None
    assert gathering["sessionCount"] == 2
    assert gathering["trackCount"] == 6  # English only: translations left out
    assert gathering["startDate"] == "2024-03-15" and gathering["season"] == "spring" and gathering["year"] == 2024


def test_it_counts_translations_for_en_pt_listeners(api, user):
    make_catalogue(gatherings=1, sessions=1, tracks=2)
    user.content_language = User.ContentLanguage.EN_PT
    user.save()
    api.force_authenticate(user)

    [group] = api.get(URL).json()["retreatGroups"]

    assert group["gatherings"][0]["trackCount"] == 4


def test_it_never_lists_a_group_with_only_drafts(user_api):
    group = make_group()
    make_retreat(groups=[group], status="draft")

    assert user_api.get(URL).json() == {"retreatGroups": [], "totalCount": 0, "hasMore": False}


def test_it_marks_members_only_gatherings_locked_for_outsiders(api, user, other_user):
    group = make_group()
    make_retreat(groups=[group], audience="retreat-group-members")
    make_member(subscribe(other_user), group)

    api.force_authenticate(user)
    assert api.get(URL).json()["retreatGroups"][0]["gatherings"][0]["locked"] is True
    api.force_authenticate(other_user)
    assert api.get(URL).json()["retreatGroups"][0]["gatherings"][0]["locked"] is False


def test_it_speaks_portuguese_with_an_english_fallback(api, user):
    group = make_group(name="Mind Training", name_pt="Treino da Mente")
    make_retreat(groups=[group], name="Spring Gathering", name_pt="")
    user.language = "pt"
    user.save()
    api.force_authenticate(user)

    [listed] = api.get(URL).json()["retreatGroups"]

    assert listed["name"] == "Treino da Mente"
    assert listed["gatherings"][0]["name"] == "Spring Gathering"
    assert api.get(URL, {"language": "en"}).json()["retreatGroups"][0]["name"] == "Mind Training"


def test_it_filters_by_year_and_season(user_api):
    import datetime

    group = make_group()
    make_retreat(groups=[group], start_date=datetime.date(2023, 10, 1), name="Autumn 2023")
    make_retreat(groups=[group], start_date=datetime.date(2024, 4, 1), name="Spring 2024")

    by_year = user_api.get(URL, {"year": 2023}).json()["retreatGroups"][0]["gatherings"]
    by_season = user_api.get(URL, {"season": "spring"}).json()["retreatGroups"][0]["gatherings"]

    assert [g["name"] for g in by_year] == ["Autumn 2023"]
    assert [g["name"] for g in by_season] == ["Spring 2024"]
    assert by_year[0]["season"] == "fall"


@pytest.mark.parametrize(
    "params, field",
    [
        ({"year": "abc"}, "year"),
        ({"season": "winter"}, "season"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"language": "fr"}, "language"),
    ],
)
def test_it_rejects_bad_parameters_with_the_envelope(user_api, params, field):
    response = user_api.get(URL, params)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"]
    assert error["timestamp"].endswith("Z")


def test_it_paginates_groups(user_api):
    for _ in range(3):
        make_retreat(groups=[make_group()])

    first = user_api.get(URL, {"limit": 2}).json()
    second = user_api.get(URL, {"limit": 2, "offset": 2}).json()

    assert (len(first["retreatGroups"]), first["totalCount"], first["hasMore"]) == (2, 3, True)
    assert (len(second["retreatGroups"]), second["hasMore"]) == (1, False)


def test_it_answers_304_to_a_matching_etag_and_changes_it_on_edit(user_api, django_capture_on_commit_callbacks):
    group, [retreat] = make_catalogue(gatherings=1, sessions=1, tracks=1)
    first = user_api.get(URL)
    etag = first["ETag"]

    assert user_api.get(URL, HTTP_IF_NONE_MATCH=etag).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        retreat.name = "Renamed"
        retreat.save()
    again = user_api.get(URL, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again.json()["retreatGroups"][0]["gatherings"][0]["name"] == "Renamed"


def test_it_costs_the_same_queries_for_3_and_300_gatherings(
    user_api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    group = make_group()
    for _ in range(3):
        make_track(make_session(make_retreat(groups=[group])))
    # access profile, groups, gatherings with counts (a short page needs no COUNT)
    with django_assert_num_queries(3):
        assert user_api.get(URL).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(297):
            make_retreat(groups=[group, make_group()])
    # the same, less the access profile (cached since the first request), plus the COUNT a
    # full page needs for totalCount
    with django_assert_num_queries(3):
        body = user_api.get(URL, {"limit": 100}).json()
    assert body["totalCount"] == 298
    assert len(body["retreatGroups"]) == 100
    assert sum(len(g["gatherings"]) for g in body["retreatGroups"]) >= 100


def test_it_counts_the_total_of_a_last_short_page_without_a_count_query(user_api, django_assert_num_queries):
    for _ in range(3):
        make_retreat(groups=[make_group()])

    with django_assert_num_queries(3):
        body = user_api.get(URL, {"limit": 2, "offset": 2}).json()

    assert (len(body["retreatGroups"]), body["totalCount"], body["hasMore"]) == (1, 3, False)


def test_it_still_counts_when_the_offset_is_past_the_end(user_api):
    make_retreat(groups=[make_group()])

    body = user_api.get(URL, {"offset": 5}).json()

    assert body == {"retreatGroups": [], "totalCount": 1, "hasMore": False}


def test_it_serves_listeners_with_the_same_access_from_one_rendering(api, user, other_user, django_assert_num_queries):
    make_catalogue(gatherings=2, sessions=1, tracks=2)
    api.force_authenticate(user)
    first = api.get(URL)

    api.force_authenticate(other_user)
    with django_assert_num_queries(1):  # the access profile only
        second = api.get(URL)

    assert second.content == first.content
    assert second["ETag"] == first["ETag"]


def test_it_renders_again_for_a_listener_with_other_access(api, user, other_user):
    group = make_group()
    make_retreat(groups=[group], audience="retreat-group-members")
    make_member(subscribe(other_user), group)
    api.force_authenticate(user)
    first = api.get(URL)

    api.force_authenticate(other_user)
    with CaptureQueriesContext(connection) as queries:
        second = api.get(URL)

    assert len(queries) > 1  # not the one query of a rendering served again
    assert second["ETag"] != first["ETag"]
    assert second.json()["retreatGroups"][0]["gatherings"][0]["locked"] is False


def test_it_lists_the_latest_gathering_limit_gatherings_of_each_group(user_api):
    group, other = make_group(), make_group()
    for year in range(2010, 2016):
        make_retreat(groups=[group], start_date=datetime.date(year, 4, 1))
    make_retreat(groups=[other])

    groups = user_api.get(URL, {"gatheringLimit": 2}).json()["retreatGroups"]

    by_id = {g["id"]: g for g in groups}
    assert [g["year"] for g in by_id[str(group.uuid)]["gatherings"]] == [2015, 2014]
    assert by_id[str(group.uuid)]["gatheringCount"] == 6
    assert (len(by_id[str(other.uuid)]["gatherings"]), by_id[str(other.uuid)]["gatheringCount"]) == (1, 1)


@pytest.mark.parametrize("value", ["0", "101", "many"])
def test_it_refuses_a_bad_gathering_limit(user_api, value):
    response = user_api.get(URL, {"gatheringLimit": value})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert "gatheringLimit" in response.json()["error"]["details"]
