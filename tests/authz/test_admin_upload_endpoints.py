"""Authorization of the admin's upload JSON endpoints (media/admin_views.py): an anonymous
caller, a logged-in listener and a staff member without the permission to add tracks are
refused with no data and no S3 side effect; an upload in progress belongs to the staff member
who started it (staff share the catalogue, not each other's browser sessions): another staff
member's calls on its id answer 404, as for an unknown id.

The routes come from ``media.admin_views.urls``: a new endpoint that is not in the matrix fails
:func:`test_it_has_a_case_for_every_upload_endpoint`."""

import dataclasses
import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from media import admin_views
from media.models import Upload
from retreats.models import Session, Track
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.s3]

# Endpoints on a session (the catalogue, shared by staff) and on an upload (its starter's).
SESSION_ROUTES = {
    "media_session_upload": ("get", None),
    "media_upload_start": ("post", {"filename": "002 JKR - Another.mp3", "size": 10}),
    "media_upload_review": ("post", "review"),
    "media_upload_save": ("post", "save"),
}
UPLOAD_ROUTES = {
    "media_upload_parts": ("post", {"partNumbers": [1]}),
    "media_upload_chunk": ("post", b"0123456789"),
    "media_upload_complete": ("post", {"parts": [{"partNumber": 1, "etag": '"x"'}]}),
    "media_upload_abort": ("post", {}),
}
# Endpoints on a gathering: a folder whose sub-folders become its sessions.
RETREAT_ROUTES = {
    "media_retreat_upload": ("get", None),
    "media_folder_sessions": ("post", {"folders": ["2024-05-12 AM"]}),
    "media_folder_sessions_create": (
        "post",
        {"sessions": [{"folder": "2024-05-12 AM", "name": "Day 2", "date": "2024-05-12", "type": "morning"}]},
    ),
}
# Reading the processing state of a session's files: any staff member who may view tracks.
VIEW_ROUTES = {"media_session_status": ("get", None)}
# The page's translated strings: no data, the same for every staff member.
WITHOUT_DATA = {"media_jsi18n"}


def test_it_has_a_case_for_every_upload_endpoint():
    names = {pattern.name for pattern in admin_views.urls(admin.site)}
    assert names == set(SESSION_ROUTES) | set(UPLOAD_ROUTES) | set(RETREAT_ROUTES) | set(VIEW_ROUTES) | WITHOUT_DATA


@dataclasses.dataclass
class World:
    session: object
    upload: Upload
    s3: object
    owner: Client


def _uploader(**extra):
    person = factories.make_user(is_staff=True, **extra)
    person.user_permissions.add(Permission.objects.get(codename="add_track", content_type__app_label="retreats"))
    return person


def _client(user=None) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        factories.admin_login(client, user)
    return client


@pytest.fixture
def world(s3):
    session = factories.make_session(factories.make_retreat(slug="spring-2024"), name="Day 1 morning")
    owner = _client(_uploader(name="Owner"))
    response = owner.post(
        reverse("admin:media_upload_start", args=[session.pk]),
        {"filename": "001 JKR - Secret title.mp3", "size": 10},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    upload = Upload.objects.get()
    assert upload.s3_upload_id
    return World(session=session, upload=upload, s3=s3, owner=owner)


def _call(client, world, name):
    routes = {**SESSION_ROUTES, **UPLOAD_ROUTES, **RETREAT_ROUTES, **VIEW_ROUTES}
    method, body = routes[name]
    if name in UPLOAD_ROUTES:
        arg = world.upload.uuid
    elif name in RETREAT_ROUTES:
        arg = world.session.retreat_id
    else:
        arg = world.session.pk
    url = reverse(f"admin:{name}", args=[arg])
    if body == "review":
        body = {"uploadIds": [str(world.upload.uuid)]}
    elif body == "save":
        body = {"items": [{"uploadId": str(world.upload.uuid), "kind": "audio", "order": 1, "title": "T"}]}
    if method == "get":
        return client.get(url)
    if isinstance(body, bytes):
        return client.post(f"{url}?offset=0", body, content_type="application/octet-stream")
    return client.post(url, json.dumps(body), content_type="application/json")


def _assert_nothing_changed(world, response):
    body = response.content.decode(errors="replace")
    for secret in (str(world.upload.uuid), world.upload.key, "Secret title", "X-Amz-Signature", "Day 1 morning"):
        assert secret not in body
    upload = Upload.objects.get()  # no other upload was started
    assert (upload.status, upload.received) == ("uploading", 0)
    assert not Track.objects.exists()
    assert Session.objects.count() == 1  # no session made from a folder
    open_uploads = world.s3.list_multipart_uploads(Bucket=world.s3.bucket).get("Uploads", [])
    assert [u["UploadId"] for u in open_uploads] == [world.upload.s3_upload_id]  # not completed, not aborted
    assert world.s3.list_objects_v2(Bucket=world.s3.bucket)["KeyCount"] == 0


WRITERS = sorted({**SESSION_ROUTES, **UPLOAD_ROUTES, **RETREAT_ROUTES})
ALL = sorted({**SESSION_ROUTES, **UPLOAD_ROUTES, **RETREAT_ROUTES, **VIEW_ROUTES})


@pytest.mark.parametrize("name", ALL)
def test_an_anonymous_caller_is_sent_to_the_login(world, name):
    response = _call(_client(), world, name)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    _assert_nothing_changed(world, response)


@pytest.mark.parametrize("name", ALL)
def test_a_listener_is_sent_to_the_login(world, name):
    response = _call(_client(factories.make_user(name="Listener")), world, name)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    _assert_nothing_changed(world, response)


@pytest.mark.parametrize("name", WRITERS)
def test_staff_without_the_permission_to_add_tracks_are_refused(world, name):
    clerk = factories.make_user(is_staff=True, name="Clerk")
    clerk.user_permissions.add(Permission.objects.get(codename="view_track", content_type__app_label="retreats"))
    response = _call(_client(clerk), world, name)
    assert response.status_code == 403
    _assert_nothing_changed(world, response)


@pytest.mark.parametrize("name", sorted(VIEW_ROUTES))
def test_staff_who_may_not_view_tracks_do_not_read_processing_states(world, name):
    response = _call(_client(factories.make_user(is_staff=True, name="Clerk")), world, name)
    assert response.status_code == 403
    _assert_nothing_changed(world, response)


@pytest.mark.parametrize("name", sorted(UPLOAD_ROUTES))
def test_another_staff_members_upload_answers_404(world, name):
    response = _call(_client(_uploader(name="Colleague")), world, name)
    assert response.status_code == 404
    _assert_nothing_changed(world, response)


@pytest.mark.parametrize("superuser", [False, True], ids=["uploader", "superuser"])
def test_another_staff_member_can_neither_review_nor_save_the_upload(world, superuser):
    world.upload.status, world.upload.received = Upload.Status.UPLOADED, 10
    world.upload.save()
    colleague = _client(factories.make_staff(name="Boss") if superuser else _uploader(name="Colleague"))

    review = _call(colleague, world, "media_upload_review")
    save = _call(colleague, world, "media_upload_save")

    assert review.status_code == 200 and review.json() == {"rows": []}
    assert save.status_code == 400 and str(world.upload.uuid) in save.json()["error"]["details"]
    assert not Track.objects.exists()
    assert Upload.objects.get().status == "uploaded"


def test_the_starter_still_completes_the_upload(world):
    # The refusals above are about the caller, not a broken upload: its owner gets the part URL.
    response = _call(world.owner, world, "media_upload_parts")
    assert response.status_code == 200 and "X-Amz-Signature" in response.json()["urls"]["1"]
