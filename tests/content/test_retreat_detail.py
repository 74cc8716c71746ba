import datetime
import uuid

import pytest

from tests.factories import (
    make_catalogue,
    make_group,
    make_member,
    make_retreat,
    make_session,
    make_track,
    make_transcript,
    subscribe,
)

pytestmark = pytest.mark.django_db


def url(group):
    return f"/api/v1/content/retreat/{group.uuid}"


def test_it_returns_the_group_unwrapped_with_gathering_summaries(user_api):
    group, [retreat] = make_catalogue(gatherings=1, sessions=2, tracks=2)
    first_track = retreat.sessions.first().tracks.get(order=1, language="en")
    make_transcript(first_track)

    body = user_api.get(url(group)).json()

    assert set(body) == {
        "id", "name", "description", "imageUrl", "gatheringCount", "gatherings", "totalCount", "hasMore"
    }  # fmt: skip
    assert (body["gatheringCount"], body["totalCount"], body["hasMore"]) == (1, 1, False)
    [gathering] = body["gatherings"]
    assert gathering["id"] == str(retreat.uuid)
    assert "sessions" not in gathering  # tracks come with the gathering detail
    assert (gathering["sessionCount"], gathering["trackCount"]) == (2, 4)  # user: English
    assert (gathering["duration"], gathering["languages"]) == (8 * 1800.0, ["en", "pt"])
    assert (gathering["practiceCount"], gathering["transcriptCount"]) == (0, 1)
    assert gathering["description"] == ""
    assert gathering["changedAt"]
    assert gathering["places"] == []


def test_it_counts_translations_for_en_pt_listeners(api, user):
    group, _ = make_catalogue(gatherings=1, sessions=1, tracks=1)
    user.content_language = "en-pt"
    user.save()
    api.force_authenticate(user)

    assert api.get(url(group)).json()["gatherings"][0]["trackCount"] == 2


def test_it_pages_the_gatherings_newest_first(user_api):
    group = make_group()
    for year in range(2010, 2015):
        make_retreat(groups=[group], start_date=datetime.date(year, 4, 1))

    first = user_api.get(url(group), {"limit": 2}).json()
    last = user_api.get(url(group), {"limit": 2, "offset": 4}).json()
    beyond = user_api.get(url(group), {"offset": 9}).json()

    assert [g["year"] for g in first["gatherings"]] == [2014, 2013]
    assert (first["totalCount"], first["hasMore"]) == (5, True)
    assert [g["year"] for g in last["gatherings"]] == [2010]
    assert (last["totalCount"], last["hasMore"]) == (5, False)
    assert (beyond["gatherings"], beyond["totalCount"]) == ([], 5)


def test_it_refuses_a_bad_page(user_api):
    group, _ = make_catalogue(gatherings=1, sessions=1, tracks=1)
    response = user_api.get(url(group), {"limit": 0})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"


def test_it_still_lists_a_locked_gathering(user_api):
    group = make_group()
    retreat = make_retreat(groups=[group], audience="free-subscribers", required_plan="premium")
    make_track(make_session(retreat))

    [gathering] = user_api.get(url(group)).json()["gatherings"]

    assert gathering["locked"] is True
    assert gathering["trackCount"] == 1


def test_it_answers_404_for_a_group_with_only_drafts(user_api):
    group = make_group()
    make_retreat(groups=[group], status="draft")

    response = user_api.get(url(group))

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_answers_404_for_an_unknown_or_malformed_id(user_api):
    assert user_api.get(f"/api/v1/content/retreat/{uuid.uuid4()}").status_code == 404
    response = user_api.get("/api/v1/content/retreat/not-a-uuid")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_hides_draft_gatherings_inside_a_published_group(user_api):
    group, _ = make_catalogue(gatherings=1, sessions=1, tracks=1)
    make_retreat(groups=[group], status="draft", name="Not yet")

    names = [g["name"] for g in user_api.get(url(group)).json()["gatherings"]]

    assert "Not yet" not in names and len(names) == 1


def test_it_unlocks_members_gatherings_for_members(api, user):
    group = make_group()
    make_retreat(groups=[group], audience="retreat-group-members")
    make_member(subscribe(user), group)
    api.force_authenticate(user)

    assert api.get(url(group)).json()["gatherings"][0]["locked"] is False


def test_it_costs_the_same_queries_for_one_and_many_gatherings(
    user_api, django_assert_num_queries, django_capture_on_commit_callbacks
):
    group, _ = make_catalogue(gatherings=1, sessions=1, tracks=1)
    # the user's access profile, the group, its gatherings with their summaries and places
    with django_assert_num_queries(3):
        user_api.get(url(group))

    with django_capture_on_commit_callbacks(execute=True):
        make_catalogue(group=group, gatherings=30, sessions=3, tracks=4)
    # the same, less the access profile (cached since the first request)
    with django_assert_num_queries(2):
        body = user_api.get(url(group)).json()
    assert (len(body["gatherings"]), body["totalCount"]) == (20, 31)
