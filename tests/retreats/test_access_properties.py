"""Properties of the access rule: for random users and gatherings the catalogue list, the
gathering detail and the URL signer never disagree; the catalogue's queries do not grow with
gatherings or grants; the profile's stamp follows what the rule reads."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from media.selectors import track_for_playback
from padmakara.errors import Locked
from retreats.access import AccessProfile
from retreats.models import Audience
from retreats.selectors import Reader, RetreatFilters, gathering_detail, retreat_groups_page
from tests import factories

pytestmark = pytest.mark.django_db

gatherings_st = st.lists(
    st.tuples(
        st.sampled_from(Audience.SLUGS),
        st.sampled_from(["basic", "premium"]),
        st.integers(min_value=0, max_value=2),  # how many of the two groups it sits in
    ),
    min_size=1,
    max_size=6,
)
users_st = st.fixed_dictionaries(
    {
        "status": st.sampled_from(["active", "inactive", "expired"]),
        "plan": st.sampled_from(["basic", "premium"]),
        "expired": st.booleans(),
        "groups": st.integers(min_value=0, max_value=2),
        "attended": st.sets(st.integers(min_value=0, max_value=5)),
        "granted": st.sets(st.integers(min_value=0, max_value=5)),
        "staff": st.booleans(),
        "anonymous": st.booleans(),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(gatherings=gatherings_st, who=users_st)
def test_the_list_the_detail_and_the_signer_never_disagree(gatherings, who):
    cache.clear()
    groups = [factories.make_group(), factories.make_group()]
    retreats = []
    for audience, plan, in_groups in gatherings:
        retreat = factories.make_retreat(
            audience=audience, required_plan=plan, groups=[groups[0]] + groups[1:in_groups]
        )
        if in_groups == 0:
            retreat.groups.clear()
        factories.make_track(factories.make_session(retreat))
        retreats.append(retreat)
    if who["anonymous"]:
        profile = AccessProfile.anonymous()
    else:
        past = timezone.now() - datetime.timedelta(days=1)
        user = factories.make_user(
            subscription_status=who["status"],
            subscription_plan=who["plan"],
            subscription_expires_at=past if who["expired"] else None,
            is_staff=who["staff"],
        )
        for group in groups[: who["groups"]]:
            factories.make_member(user, group)
        for i in who["attended"] & set(range(len(retreats))):
            factories.make_attendance(user, retreats[i])
        for i in who["granted"] & set(range(len(retreats))):
            factories.make_grant(user, retreats[i])
        profile = AccessProfile.for_user(user)
    reader = Reader(profile=profile)

    pages, _total = retreat_groups_page(reader, RetreatFilters(), limit=100, offset=0, per_group=100)
    listed = {row["retreat_id"]: row for _group, rows in pages for row in rows}
    for retreat in retreats:
        row, _sessions = gathering_detail(reader, retreat.uuid)
        track = retreat.sessions.get().tracks.get()
        try:
            track_for_playback(profile, track.uuid)
            signed, reason = True, None
        except Locked as locked:
            signed, reason = False, locked.details["reason"]
        assert row["playable"] == signed == profile.can_play_retreat(retreat)
        assert row["locked_reason"] == reason
        if retreat.pk in listed:
            assert listed[retreat.pk]["playable"] == signed
            assert listed[retreat.pk]["locked_reason"] == reason


def _gatherings_with_grants(user, group, count: int) -> None:
    for i in range(count):
        audience = Audience.SLUGS[i % len(Audience.SLUGS)]
        retreat = factories.make_retreat(groups=[group], audience=audience)
        factories.make_track(factories.make_session(retreat))
        factories.make_grant(user, retreat) if i % 2 else factories.make_attendance(user, retreat)


def test_the_catalogue_costs_the_same_queries_for_3_and_30_gatherings_with_grants(
    user_api, user, django_assert_num_queries
):
    group = factories.make_group()
    factories.make_member(factories.subscribe(user), group)
    _gatherings_with_grants(user, group, 3)
    # access profile (groups, attendance and grants in one), groups, gatherings with counts
    with django_assert_num_queries(3):
        assert user_api.get("/api/v1/content/retreats").status_code == 200

    cache.clear()
    _gatherings_with_grants(user, group, 27)
    with django_assert_num_queries(3):
        body = user_api.get("/api/v1/content/retreats").json()
    assert len(body["retreatGroups"][0]["gatherings"]) == 30
    # the group's detail: group, its gatherings with their summaries and places (the access profile is cached)
    with django_assert_num_queries(2):
        assert user_api.get(f"/api/v1/content/retreat/{group.uuid}").status_code == 200


def test_the_stamp_follows_attendance_and_grants(user):
    gathering = factories.make_retreat(audience="event-participants")
    before = AccessProfile.for_user(user).stamp

    factories.make_attendance(user, gathering)
    attended = AccessProfile.for_user(user).stamp
    factories.make_grant(user, gathering)
    granted = AccessProfile.for_user(user).stamp

    assert len({before, attended, granted}) == 3
    assert AccessProfile.anonymous().stamp != before  # signed in with nothing is not anonymous


def test_a_long_stamp_is_hashed(user):
    for _ in range(40):
        factories.make_grant(user, factories.make_retreat(audience="received-initiation"))

    stamp = AccessProfile.for_user(user).stamp

    assert len(stamp) < 100


def test_a_new_grant_changes_the_catalogue_etag(user_api, user):
    gathering = factories.make_retreat(groups=[factories.make_group()], audience="available-on-request-only")
    first = user_api.get("/api/v1/content/retreats")
    assert first.json()["retreatGroups"][0]["gatherings"][0]["lockedReason"] == "on_request"

    factories.make_grant(user, gathering)
    second = user_api.get("/api/v1/content/retreats", HTTP_IF_NONE_MATCH=first["ETag"])

    assert second.status_code == 200
    assert second.json()["retreatGroups"][0]["gatherings"][0]["locked"] is False


def test_callers_without_a_token_are_rate_limited_per_ip(api, monkeypatch):
    from padmakara.api.throttles import AnonymousThrottle

    # DRF reads the rates once at import; the class attribute is where a test can lower them.
    monkeypatch.setattr(AnonymousThrottle, "THROTTLE_RATES", {"anonymous": "2/hour"})

    answers = [api.get("/api/v1/content/retreats").status_code for _ in range(3)]
    other_ip = api.get("/api/v1/content/retreats", REMOTE_ADDR="10.0.0.9").status_code

    assert answers == [200, 200, 429]
    assert other_ip == 200


def test_signed_in_callers_are_not_held_to_the_anonymous_rate(user_api, monkeypatch):
    from padmakara.api.throttles import AnonymousThrottle

    monkeypatch.setattr(AnonymousThrottle, "THROTTLE_RATES", {"anonymous": "1/hour"})

    assert [user_api.get("/api/v1/content/retreats").status_code for _ in range(3)] == [200, 200, 200]
