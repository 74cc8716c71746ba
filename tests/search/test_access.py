"""Search finds only published content the user may play, on every backend."""

import pytest

from accounts.models import User
from tests.factories import make_group, make_member, make_retreat, make_session, make_track, subscribe

from .content import track_in, transcript_of

pytestmark = pytest.mark.django_db

BACKENDS = ["auto", "substring"]  # auto is PostgreSQL full text under DATABASE_URL=postgres://…


@pytest.fixture(params=BACKENDS)
def backend(request, settings):
    settings.SEARCH_BACKEND = request.param
    return request.param


def titles(body):
    return sorted(result["title"] for result in body["results"])


def test_it_leaves_out_members_only_content_of_other_groups(backend, find):
    group = make_group()
    hidden = track_in(make_retreat(groups=[group], audience="retreat-group-members"), title="Secret mandala")
    transcript_of(hidden, ["The secret mandala practice."])

    assert find("mandala") == {"results": [], "totalCount": 0, "hasMore": False}


def test_it_finds_members_only_content_for_members(backend, find, user):
    group = make_group()
    track_in(make_retreat(groups=[group], audience="retreat-group-members"), title="Secret mandala")
    make_member(subscribe(user), group)

    assert titles(find("mandala")) == ["Secret mandala"]


def test_it_follows_the_subscription_plan(backend, find, user):
    track_in(make_retreat(audience="free-subscribers", required_plan="premium"), title="Premium mandala")
    track_in(make_retreat(audience="free-subscribers", required_plan="basic"), title="Basic mandala")
    user.subscription_status, user.subscription_plan = User.SubscriptionStatus.ACTIVE, "basic"
    user.save()

    assert titles(find("mandala")) == ["Basic mandala"]


def test_it_never_finds_drafts(backend, find):
    transcript_of(track_in(make_retreat(status="draft"), title="Draft mandala"), ["Mandala text."])

    assert find("mandala")["totalCount"] == 0


def test_it_leaves_out_translation_tracks_for_english_only_listeners(backend, find, user):
    session = make_session(make_retreat())
    original = make_track(session, title="Mandala offering")
    translation = make_track(session, title="Mandala oferenda", language="pt", original=original, order=original.order)
    transcript_of(translation, ["Mandala em português."])

    assert titles(find("mandala")) == ["Mandala offering"]
    user.content_language = User.ContentLanguage.EN_PT
    user.save()
    assert titles(find("mandala")) == ["Mandala oferenda", "Mandala oferenda", "Mandala offering"]


def test_it_lets_staff_find_every_published_gathering(backend, reindex, api, staff):
    track_in(make_retreat(groups=[make_group()], audience="retreat-group-members"), title="Secret mandala")
    reindex()
    api.force_authenticate(staff)

    assert titles(api.get("/api/v1/content/search", {"q": "mandala"}).json()) == ["Secret mandala"]


def test_it_finds_tracks_heard_in_the_content_language_or_in_sessions_with_none(backend, find, user):
    session = make_session(make_retreat())
    make_track(session, order=1, title="Mandala with interpretation", languages=["en", "pt"])
    make_track(session, order=2, title="Mandala in English")
    tibetan = make_session(session.retreat)
    make_track(tibetan, order=1, title="Mandala in Tibetan", language="tib")
    user.content_language = User.ContentLanguage.PT
    user.save()

    assert titles(find("mandala")) == ["Mandala in Tibetan", "Mandala with interpretation"]
