"""Authorization matrix: every /api/v1 route that takes an id, called by a user who
does not own the object or may not play the track, answers 404 or 403 and shows no data.

The routes come from Django's resolver, not from a list kept by hand: a new id-taking route
that is not in MATRIX fails :func:`test_it_has_a_matrix_entry_for_every_id_route`.
"""

import dataclasses
import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Device
from library.models import Book
from media.models import DownloadBundle
from notifications.models import Notification
from progress.models import Bookmark, Highlight
from tests import factories

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def id_routes() -> dict[str, tuple[str, ...]]:
    """``{route without trailing slash: methods its view answers}`` for every API route with
    a path converter (``<uuid:...>``, ``<path:...>``)."""
    routes = {}
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith("api/v1/") or "<" not in route:
            continue
        view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
        methods = tuple(m for m in METHODS if view_class and hasattr(view_class, m)) or ("get",)
        routes[route.rstrip("/")] = methods
    return routes


@dataclasses.dataclass
class World:
    """Ana, the attacker, and Bruno, the owner; a gathering only Bruno's group may play."""

    ana: object
    bruno: object
    locked_track: object
    draft_track: object
    bookmark: Bookmark
    highlight: Highlight
    device: Device
    bundle: DownloadBundle
    notification: Notification
    book: Book


@pytest.fixture
def world(user, other_user):
    group = factories.make_group()
    factories.make_member(other_user, group)
    members_only = factories.make_retreat(groups=[group], audience="retreat-group-members")
    locked_track = factories.make_track(factories.make_session(members_only), audio_file="audio/locked.mp3")
    factories.make_transcript(locked_track, pdf_file="transcripts/locked.pdf")
    # A book only those who attended the members' gathering may read: Bruno did.
    factories.make_attendance(other_user, members_only)
    book = Book.objects.create(
        title="Bruno's book",
        authors="Bruno",
        pdf_file="books/pdfs/locked.pdf",
        status=Book.Status.PUBLISHED,
        audience_id="event-participants",
        gathering=members_only,
    )
    draft = factories.make_retreat(groups=[factories.make_group()], status="draft")
    draft_track = factories.make_track(factories.make_session(draft))
    return World(
        ana=user,
        bruno=other_user,
        locked_track=locked_track,
        draft_track=draft_track,
        bookmark=Bookmark.objects.create(user=other_user, track=locked_track, position=12, note="Bruno's note"),
        highlight=Highlight.objects.create(user=other_user, track=locked_track, page=1, text="Bruno's highlight"),
        device=Device.objects.create(user=other_user, platform="ios", push_token="bruno-push-token"),
        notification=Notification.objects.create(
            user=other_user, type="new_content", title="For Bruno", message="Bruno's"
        ),
        bundle=DownloadBundle.objects.create(
            request_key="k" * 64,
            track_ids=[str(locked_track.uuid)],
            status=DownloadBundle.Status.READY,
            file="bundles/bruno.zip",
            created_by=other_user,
            expires_at=timezone.now() + datetime.timedelta(days=1),
        ),
        book=book,
    )


# route → (the id to try, as a function of the world). Content routes take unpublished
# objects: a published gathering is visible to all by design (locked=true, docs/api.md), its
# media is not.
def _teacher_of_a_draft(world) -> str:
    teacher = factories.make_teacher()
    world.draft_track.session.retreat.teachers.add(teacher)
    return teacher.abbreviation


MATRIX = {
    "api/v1/content/teachers/<str:abbreviation>": _teacher_of_a_draft,
    "api/v1/content/retreat/<uuid:group_id>": lambda w: w.draft_track.session.retreat.groups.get().uuid,
    "api/v1/content/gathering/<uuid:gathering_id>": lambda w: w.draft_track.session.retreat.uuid,
    "api/v1/content/track/<uuid:track_id>": lambda w: w.draft_track.uuid,
    "api/v1/user/devices/<uuid:device_id>": lambda w: w.device.uuid,
    "api/v1/progress/bookmark/<uuid:bookmark_id>": lambda w: w.bookmark.uuid,
    "api/v1/progress/highlight/<uuid:highlight_id>": lambda w: w.highlight.uuid,
    "api/v1/media/audio/<uuid:track_id>": lambda w: w.locked_track.uuid,
    "api/v1/media/transcript/<uuid:track_id>": lambda w: w.locked_track.uuid,
    # Reading: the access rule (locked); writing: staff only.
    "api/v1/content/track/<uuid:track_id>/read-along": lambda w: w.locked_track.uuid,
    "api/v1/media/download/<uuid:download_id>": lambda w: w.bundle.uuid,
    "api/v1/notifications/<uuid:notification_id>/read": lambda w: w.notification.uuid,
    "api/v1/content/books/<uuid:book_id>": lambda w: w.book.uuid,
    "api/v1/content/books/<uuid:book_id>/pdf": lambda w: w.book.uuid,
    # Without the signature that only a playable request gets.
    "api/v1/media/file/<path:key>": lambda w: w.bundle.file,
}


def _url(route: str, value) -> str:
    start, end = route.index("<"), route.index(">")
    return "/" + route[:start] + str(value) + route[end + 1 :]


def _cases():
    for route, methods in sorted(id_routes().items()):
        for method in methods:
            for slash in ("", "/"):
                yield pytest.param(route, method, slash, id=f"{method.upper()} /{route}{slash}")


def test_it_has_a_matrix_entry_for_every_id_route():
    missing = sorted(set(id_routes()) - set(MATRIX))
    assert not missing, f"id-taking routes without an authorization case in MATRIX: {missing}"


@pytest.mark.parametrize(("route", "method", "slash"), list(_cases()))
def test_it_answers_404_or_403_and_no_data_to_another_user(route, method, slash, world, api):
    if route not in MATRIX:
        pytest.fail(f"/{route} is not in MATRIX")
    target = MATRIX[route](world)
    api.force_authenticate(world.ana)

    response = getattr(api, method)(_url(route, target) + slash, {}, format="json")

    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    body = response.content.decode()
    assert '"error"' in body, body
    for secret in (str(target), "Bruno", "bruno-push-token", "locked.mp3", "locked.pdf", "bruno.zip"):
        assert secret not in body, f"{secret!r} leaked: {body}"


def test_it_leaves_another_users_rows_in_place_after_the_attempts(world, api):
    api.force_authenticate(world.ana)
    for route in (
        "api/v1/user/devices/<uuid:device_id>",
        "api/v1/progress/bookmark/<uuid:bookmark_id>",
        "api/v1/progress/highlight/<uuid:highlight_id>",
    ):
        api.delete(_url(route, MATRIX[route](world)))

    assert Device.objects.filter(pk=world.device.pk).exists()
    assert Bookmark.objects.filter(pk=world.bookmark.pk).exists()
    assert Highlight.objects.filter(pk=world.highlight.pk).exists()


def test_it_leaves_another_users_notification_unread(world, api):
    api.force_authenticate(world.ana)

    api.put(_url("api/v1/notifications/<uuid:notification_id>/read", world.notification.uuid))

    assert Notification.objects.get(pk=world.notification.pk).read is False


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/progress/track", lambda w: {"trackId": str(w.locked_track.uuid), "position": 5, "completed": False}),
        ("/api/v1/progress/bookmark", lambda w: {"trackId": str(w.locked_track.uuid), "position": 5, "note": ""}),
        ("/api/v1/progress/highlight", lambda w: {"trackId": str(w.locked_track.uuid), "page": 1, "text": "x"}),
        ("/api/v1/media/download", lambda w: {"trackIds": [str(w.locked_track.uuid)], "quality": "medium"}),
    ],
    ids=["progress on a locked track", "bookmark on it", "highlight on it", "bundle of it"],
)
def test_it_refuses_writes_about_a_locked_track(path, body, world, api):
    api.force_authenticate(world.ana)

    response = api.post(path, body(world), format="json")

    assert response.status_code in (403, 404), (response.status_code, response.content[:300])
    assert not Bookmark.objects.filter(user=world.ana).exists()
    assert not Highlight.objects.filter(user=world.ana).exists()
