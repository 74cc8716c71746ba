"""Every registered model's changelist, add and change pages render for a superuser.

Generated over ``admin.site._registry``: a newly registered model is covered without
touching this file (its change page needs one row; ``_catalogue`` builds one of each)."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessRequest, Device
from library.models import Book
from media.models import ArchiveImport, DownloadBundle, Upload
from notifications.models import DigestSubscription, LocalPush, Notification, NotificationEvent, PushEndpoint
from padmakara.audit import audit
from progress.models import Bookmark, Highlight, ListeningSession, TrackProgress
from retreats.models import Place, Tag
from tests import factories

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
IDS = [model._meta.label for model in REGISTERED]

# The admins that offer no add page, by model name: their rows are made by the app or by the
# listeners, and the add page answers 403. Every other admin's add page answers 200.
WITHOUT_ADD_PAGE = {
    "AccessRequest",
    "Bookmark",
    "Device",
    "DigestSubscription",
    "DownloadBundle",
    "Highlight",
    "ListeningSession",
    "LocalPush",
    "LogEntry",
    "Notification",
    "NotificationEvent",
    "ProviderNotification",
    "PushEndpoint",
    "Subscription",
    "TrackProgress",
    "Upload",
}


@pytest.fixture
def _catalogue(db):
    group, (retreat,) = factories.make_catalogue(gatherings=1, sessions=1, tracks=2)
    teacher = factories.make_teacher()
    retreat.teachers.add(teacher)
    track = retreat.sessions.first().tracks.get(language="en", order=1)
    track.speakers.add(teacher)
    factories.make_transcript(track)
    member = factories.make_user()
    factories.make_member(member, group)
    factories.make_grant(member, retreat, note="Asked by email")
    member.groups.add(Group.objects.create(name="Editors"))
    retreat.places.add(Place.objects.create(name="Lisbon centre", abbreviation="LX"))
    track.tags.add(Tag.objects.create(name="Meditation"))
    now = timezone.now()
    Device.objects.create(user=member, platform="ios", push_token="demo-token")
    AccessRequest.objects.create(email="new@example.org", first_name="Rita", last_name="Sousa", message="Hello")
    TrackProgress.objects.create(user=member, track=track, position=10, last_played=now, created_at=now, updated_at=now)
    ListeningSession.objects.create(user=member, track=track, event_id="e-1", played_at=now, created_at=now)
    Bookmark.objects.create(user=member, track=track, position=5)
    Highlight.objects.create(user=member, track=track, page=1, text="Calm abiding")
    DownloadBundle.objects.create(request_key="k" * 64, track_ids=[track.pk], expires_at=now, created_by=member)
    Upload.objects.create(session=track.session, filename="001 JKR - Talk.mp3", size=10, key="uploads/x")
    ArchiveImport.objects.create(source="s3://archive/mediateca/", csv_name="export.csv", status="planned")
    device = Device.objects.get(user=member)
    event = NotificationEvent.objects.create(
        key="gathering:published", kind=NotificationEvent.Kind.GATHERING_PUBLISHED, retreat=retreat
    )
    Notification.objects.create(
        user=member, event=event, event_key=event.key, type="new_content", title="New", message="A new gathering."
    )
    LocalPush.objects.create(platform="ios", token=device.push_token, title="New", body="A new gathering.")
    PushEndpoint.objects.create(device=device)
    DigestSubscription.objects.create(user=member)
    audit(user=member, obj=track, message="Published.", changes={"title": ("Before", "After")})
    factories.make_subscription_rows(member)
    Book.objects.create(title="A book", authors="An author", pdf_file="books/pdfs/a.pdf", gathering=retreat)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", REGISTERED, ids=IDS)
def test_it_renders_the_changelist(staff_client, _catalogue, model):
    response = staff_client.get(_url(model, "changelist"))
    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=IDS)
def test_it_renders_the_add_page(staff_client, _catalogue, model):
    response = staff_client.get(_url(model, "add"))
    assert response.status_code == (403 if model._meta.object_name in WITHOUT_ADD_PAGE else 200)


def test_it_names_only_registered_models_as_without_an_add_page():
    assert {model._meta.object_name for model in REGISTERED} >= WITHOUT_ADD_PAGE


@pytest.mark.parametrize("model", REGISTERED, ids=IDS)
def test_it_renders_the_change_page(staff_client, _catalogue, model):
    obj = model._default_manager.order_by("pk").first()
    assert obj is not None, f"add a {model.__name__} to the _catalogue fixture"
    response = staff_client.get(_url(model, "change", obj.pk))
    assert response.status_code == 200


@pytest.mark.parametrize("model", REGISTERED, ids=IDS)
def test_it_renders_the_changelist_search(staff_client, _catalogue, model):
    if not admin.site._registry[model].search_fields:
        pytest.skip("no search on this model")
    response = staff_client.get(_url(model, "changelist"), {"q": "a"})
    assert response.status_code == 200
