"""Staff endpoints behind the admin's upload page (session login + CSRF, like the admin).

The page drives them from media/static/media/upload.js: start → (S3: part URLs, PUTs to S3,
complete | local: chunks, complete) → review the guesses → save → poll each file's processing
state. On a gathering's page a folder comes first: its sub-folders are proposed as sessions,
created once staff have corrected them, then each session's files go through the same steps."""

import functools
import json

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from padmakara.api.case import underscoreize
from padmakara.api.errors import envelope, from_domain
from padmakara.errors import DomainError
from retreats.models import LANGUAGE_CHOICES, Retreat, Session, Teacher

from . import selectors, shapes, uploads
from .models import Upload


def _staff_session(request, session_id: int) -> Session:
    if not request.user.has_perm("retreats.add_track"):
        raise PermissionDenied
    # Staff with add permission see every session: there is no per-user scoping in the admin.
    return get_object_or_404(Session.objects.select_related("retreat"), pk=session_id)


def _staff_retreat(request, retreat_id: int) -> Retreat:
    if not (request.user.has_perm("retreats.add_session") and request.user.has_perm("retreats.add_track")):
        raise PermissionDenied
    return get_object_or_404(Retreat, pk=retreat_id)


def _staff_upload(request, upload_id) -> Upload:
    """The caller's own upload. Staff share the catalogue, but an upload is one browser's
    session: another staff member's upload id answers 404, as an unknown one does."""
    if not request.user.has_perm("retreats.add_track"):
        raise PermissionDenied
    return get_object_or_404(Upload.objects.select_related("session__retreat"), uuid=upload_id, created_by=request.user)


def _json(request) -> dict:
    try:
        return underscoreize(json.loads(request.body or b"{}"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DomainError(_("The request body is not valid JSON."), code="invalid_json") from exc


def _whole_number(value, field: str) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError) as exc:
        raise DomainError(
            _("%(field)s must be a whole number.") % {"field": field},
            code="validation_error",
            details={field: [str(value)]},
        ) from exc


def _answers_json(view):
    """The view returns the body; a domain error, an invalid JSON body among them, answers in the
    envelope with its status (400 for invalid_json). Staff checks still answer the admin's 403/404."""

    @functools.wraps(view)
    def answer(request, *args, **kwargs):
        try:
            return JsonResponse(view(request, *args, **kwargs))
        except DomainError as exc:
            error = from_domain(exc)
            return JsonResponse(envelope(error.error_code, str(error.detail), error.details), status=error.status_code)

    return answer


def upload_page(request, session_id: int):
    session = _staff_session(request, session_id)
    context = {
        **request.admin_site_context,
        "title": _("Upload audio and transcripts to %(session)s") % {"session": session},
        "session": session,
        "languages": LANGUAGE_CHOICES,
        "teachers": Teacher.objects.order_by("abbreviation"),
        "max_bytes": settings.MEDIA_UPLOAD_MAX_BYTES,
        "files": selectors.session_file_states(session.pk),
    }
    return render(request, "media/upload.html", context)


def retreat_upload_page(request, retreat_id: int):
    """A gathering's folder: its sub-folders become sessions (reviewed first), then each
    session's files go through the same upload, review and save as on a session's page."""
    retreat = _staff_retreat(request, retreat_id)
    context = {
        **request.admin_site_context,
        "title": _("Upload a folder of sessions to %(gathering)s") % {"gathering": retreat},
        "retreat": retreat,
        "session_types": Session.Type.choices,
        "languages": LANGUAGE_CHOICES,
        "teachers": Teacher.objects.order_by("abbreviation"),
        "max_bytes": settings.MEDIA_UPLOAD_MAX_BYTES,
    }
    return render(request, "media/upload.html", context)


def _session_urls(session: Session) -> dict:
    return {
        "sessionId": session.pk, "label": str(session),
        "startUrl": reverse("admin:media_upload_start", args=[session.pk]),
        "reviewUrl": reverse("admin:media_upload_review", args=[session.pk]),
        "saveUrl": reverse("admin:media_upload_save", args=[session.pk]),
        "statusUrl": reverse("admin:media_session_status", args=[session.pk]),
    }  # fmt: skip


@require_POST
@_answers_json
def folder_sessions_propose(request, retreat_id: int):
    retreat = _staff_retreat(request, retreat_id)
    proposals = uploads.folder_sessions_propose(retreat=retreat, folders=list(_json(request).get("folders", [])))
    return {"sessions": [shapes.folder_session(p) for p in proposals]}


@require_POST
@_answers_json
def folder_sessions_create(request, retreat_id: int):
    retreat = _staff_retreat(request, retreat_id)
    created = uploads.folder_sessions_create(retreat=retreat, sessions=list(_json(request).get("sessions", [])))
    return {"sessions": [{"folder": folder, **_session_urls(session)} for folder, session in created]}


@require_POST
@_answers_json
def upload_start(request, session_id: int):
    session = _staff_session(request, session_id)
    data = _json(request)
    filename = str(data.get("filename", ""))
    upload = uploads.upload_start(
        session=session, user=request.user, filename=filename,
        size=_whole_number(data.get("size"), "size"), content_type=str(data.get("content_type") or ""),
    )  # fmt: skip
    return shapes.upload_plan(upload, uploads.guess(session, filename))


@require_POST
@_answers_json
def upload_parts(request, upload_id):
    upload = _staff_upload(request, upload_id)
    numbers = [_whole_number(n, "partNumbers") for n in _json(request).get("part_numbers", [])][:100]
    return {"urls": {str(k): v for k, v in uploads.upload_part_urls(upload=upload, part_numbers=numbers).items()}}


@require_POST
@_answers_json
def upload_chunk(request, upload_id):
    upload = _staff_upload(request, upload_id)
    try:
        offset = int(request.GET.get("offset", "-1"))
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        offset, length = -1, 0
    # request.read streams the body: a chunk never sits whole in memory.
    return {"received": uploads.upload_chunk(upload=upload, offset=offset, stream=request, length=length)}


@require_POST
@_answers_json
def upload_complete(request, upload_id):
    upload = _staff_upload(request, upload_id)
    parts = _json(request).get("parts") if upload.s3_upload_id else None
    return shapes.upload_done(uploads.upload_complete(upload=upload, parts=parts))


@require_POST
@_answers_json
def upload_abort(request, upload_id):
    upload = _staff_upload(request, upload_id)
    uploads.upload_abort(upload=upload)
    return {"status": "aborted"}


@require_POST
@_answers_json
def upload_review(request, session_id: int):
    session = _staff_session(request, session_id)
    ids = _json(request).get("upload_ids", [])
    batch = list(
        Upload.objects.filter(session=session, uuid__in=ids, status=Upload.Status.UPLOADED, created_by=request.user)
    )
    batch.sort(key=lambda u: ids.index(str(u.uuid)))
    return {"rows": [shapes.review_row(row) for row in uploads.review_rows(session=session, uploads=batch)]}


@require_POST
@_answers_json
def upload_save(request, session_id: int):
    session = _staff_session(request, session_id)
    items = _json(request).get("items", [])
    batch = uploads.uploads_save(session=session, items=items, user=request.user)
    # Shown by the page at once (the answer does not wait for processing, which the page follows).
    return {**shapes.saved_batch(batch), "message": saved_message(batch)}


def saved_message(batch: uploads.SavedBatch) -> str:
    tracks = ngettext("%(count)d track", "%(count)d tracks", len(batch.tracks)) % {"count": len(batch.tracks)}
    transcripts = ngettext("%(count)d transcript", "%(count)d transcripts", len(batch.transcripts)) % {
        "count": len(batch.transcripts)
    }
    return _("Saved: %(tracks)s and %(transcripts)s. Processing has started; each file's state shows below.") % {
        "tracks": tracks,
        "transcripts": transcripts,
    }


@require_GET
@_answers_json
def session_status(request, session_id: int):
    """Each file's processing state, polled by the upload page until every file is done."""
    if not request.user.has_perm("retreats.view_track"):
        raise PermissionDenied
    session = get_object_or_404(Session.objects.only("pk"), pk=session_id)
    files = [shapes.file_state(state) for state in selectors.session_file_states(session.pk)]
    return {"files": files, "done": all(f["done"] for f in files)}


def urls(admin_site):
    from django.urls import path
    from django.views.i18n import JavaScriptCatalog

    def wrap(view):
        return admin_site.admin_view(view)

    def page(request, session_id):
        request.admin_site_context = admin_site.each_context(request)
        return upload_page(request, session_id)

    def gathering_page(request, retreat_id):
        request.admin_site_context = admin_site.each_context(request)
        return retreat_upload_page(request, retreat_id)

    return [
        path("session/<int:session_id>/upload/", wrap(page), name="media_session_upload"),
        path("session/<int:session_id>/upload/start/", wrap(upload_start), name="media_upload_start"),
        path("session/<int:session_id>/upload/review/", wrap(upload_review), name="media_upload_review"),
        path("session/<int:session_id>/upload/save/", wrap(upload_save), name="media_upload_save"),
        path("session/<int:session_id>/status/", wrap(session_status), name="media_session_status"),
        path("gathering/<int:retreat_id>/upload/", wrap(gathering_page), name="media_retreat_upload"),
        path(
            "gathering/<int:retreat_id>/upload/sessions/", wrap(folder_sessions_propose), name="media_folder_sessions"
        ),
        path(
            "gathering/<int:retreat_id>/upload/sessions/create/",
            wrap(folder_sessions_create),
            name="media_folder_sessions_create",
        ),  # fmt: skip
        path("upload/<uuid:upload_id>/parts/", wrap(upload_parts), name="media_upload_parts"),
        path("upload/<uuid:upload_id>/chunk/", wrap(upload_chunk), name="media_upload_chunk"),
        path("upload/<uuid:upload_id>/complete/", wrap(upload_complete), name="media_upload_complete"),
        path("upload/<uuid:upload_id>/abort/", wrap(upload_abort), name="media_upload_abort"),
        # upload.js's strings (the djangojs catalogue of LOCALE_PATHS), in the page's language.
        path("jsi18n/", wrap(JavaScriptCatalog.as_view(packages=["media"])), name="media_jsi18n"),
    ]
