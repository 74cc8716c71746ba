"""Catalogue reads of docs/compat-api.md "Catalogue": events, groups, teachers, publications,
sync versions and search, over ``retreats.selectors`` and ``retreats.search``."""

from collections import defaultdict

from rest_framework.response import Response

from library import selectors as book_selectors
from library import services as book_services
from media import signing
from padmakara.api.throttles import AnonymousThrottle, MediaThrottle
from retreats import search, selectors
from retreats.selectors import EventLocked, Reader

from . import shapes
from .api import CompatView, PublicView, forbidden, not_found, null


class PublicEventListView(PublicView):
    def get(self, request):
        return Response(shapes.events(selectors.event_rows(self.profile(request), public_only=True)))


class FeaturedEventView(PublicView):
    """The newest public gathering, or ``null``."""

    def get(self, request):
        rows = selectors.event_rows(self.profile(request), public_only=True)
        if not rows.events:
            return null()
        return Response(shapes.event(rows.events[0], rows))


class EventListView(CompatView):
    def get(self, request):
        return Response(shapes.events(selectors.event_rows(self.profile(request))))


class EventDetailView(PublicView):
    """``/events/:id`` (any caller the access rule lets in) and ``/events/public/:id``."""

    public_only = False

    def get(self, request, event_id):
        try:
            detail = selectors.event_detail_rows(self.profile(request), event_id, public_only=self.public_only)
        except EventLocked:
            raise forbidden() from None
        if detail is None:
            raise not_found("No such event.")
        return Response(shapes.event_detail(detail))


class PublicEventDetailView(EventDetailView):
    public_only = True


class SessionDetailView(PublicView):
    """``/events/sessions/:id`` (the app calls it; not in the written contract): a session with
    its tracks and ``event: {id, titleEn, titlePt}``, under the event's access rule."""

    def get(self, request, session_id):
        event_id = selectors.session_event_id(session_id)
        try:
            detail = selectors.event_detail_rows(self.profile(request), event_id) if event_id else None
        except EventLocked:
            raise forbidden() from None
        if detail is None:
            raise not_found("No such session.")
        event = detail.event.events[0]
        row = next(row for row in detail.sessions if row["id"] == session_id)
        body = shapes.session(row, detail.tracks.get(session_id, []))
        body["event"] = {"id": event["id"], "titleEn": event["name"], "titlePt": event["name_pt"] or None}
        return Response(body)


class TrackDetailView(PublicView):
    """``/events/tracks/:id`` (the app calls it; not in the written contract): a track with its
    session and event, 403 when its event may not be opened."""

    def get(self, request, track_id):
        row = selectors.track_rows_by_ids(self.profile(request), [track_id]).get(track_id)
        if row is None:
            raise not_found("No such track.")
        if not row["playable"]:
            raise forbidden()
        return Response({**shapes.track(row), **shapes.track_with_context(row)})


class GroupListView(CompatView):
    def get(self, request):
        groups = selectors.user_groups(self.profile(request), request.user)
        return Response([shapes.group(row) for row in groups])


class GroupEventListView(CompatView):
    def get(self, request, key):
        group = selectors.group_by_key(key)
        if group is None:
            raise not_found("No such group.")
        return Response(shapes.events(selectors.event_rows(self.profile(request), group_id=group["id"])))


class TeacherListView(PublicView):
    def get(self, request):
        return Response([shapes.teacher_detail(row) for row in selectors.teachers()])


class TeacherDetailView(PublicView):
    def get(self, request, abbreviation):
        row = selectors.teacher_by_abbreviation(abbreviation)
        if row is None:
            raise not_found("No such teacher.")
        return Response(shapes.teacher_detail(row))


PUBLICATION_SORTS = {
    "title": lambda book: (book.title.casefold(), book.pk),
    "author": lambda book: (book.authors.casefold(), book.title.casefold()),
    "latest": lambda book: (-book.created_at.timestamp(), book.pk),
}


def reader_language(request) -> str:
    """The signed-in listener's app language (``en`` for anyone else)."""
    return getattr(request.user, "language", None) or "en"


class PublicationListView(PublicView):
    """The books the caller may read (``library.selectors``: the gatherings' access rule), with
    whether others are hidden; ``sort`` title|author|latest (default), ``language`` a code."""

    def get(self, request):
        # An unknown sort reads as the default: the app sorts on its side too.
        sort = request.query_params.get("sort") or "latest"
        if sort not in PUBLICATION_SORTS:
            sort = "latest"
        books, hidden = book_selectors.readable_books(self.profile(request))
        language = (request.query_params.get("language") or "").lower()
        if language:
            books = [book for book in books if book.language == language]
        books = sorted(books, key=PUBLICATION_SORTS[sort])
        return Response(
            {
                "publications": [shapes.publication(book, reader_language(request)) for book in books],
                "hasHiddenPublications": hidden,
            }
        )


class PublicationDetailView(PublicView):
    def get(self, request, publication_id):
        book = book_selectors.book_for(self.profile(request), publication_id)
        return Response(shapes.publication(book, reader_language(request)))


class PublicationPDFView(PublicView):
    """``{url}``: the book's PDF signed by ``media.signing`` (a signed-in reader's own
    watermarked copy, ``library.services``)."""

    throttle_classes = [AnonymousThrottle, MediaThrottle]

    def get(self, request, publication_id):
        book = book_selectors.book_for(self.profile(request), publication_id)
        key, _pages, _watermarked = book_services.book_pdf_for(book, request.user)
        signed = signing.sign(key, expires_in=signing.expiry_seconds(), request=request, filename=f"{book.uuid}.pdf")
        return Response({"url": signed.url})


class SyncVersionsView(PublicView):
    """Each namespace's counter (moved by database triggers) and the caller's ``access_version``."""

    def get(self, request):
        user_version = getattr(request.user, "access_version", 0) if request.user.is_authenticated else 0
        return Response(
            {
                namespace: {"global": version, "user": user_version}
                for namespace, version in selectors.sync_versions().items()
            },
            headers={"Cache-Control": "private, no-store"},
        )


SEARCH_LIMIT = 50
TITLE_SCORE = 1.0  # a gathering's name holding the words ranks it above a single track's hit


class SearchView(PublicView):
    """v1's search (the one access rule inside it), its track hits grouped by event and session."""

    def get(self, request):
        query = (request.query_params.get("q") or "").strip()
        language = request.query_params.get("lang") or None
        if language not in (None, "en", "pt"):
            language = None
        if len(query) < 2:
            return Response(shapes.search(query, [], 0))
        profile = self.profile(request)
        reader = Reader(profile=profile, language=language or getattr(request.user, "language", "en"))
        hits, _total = search.search_content(reader, search.SearchRequest(text=query, type="track", limit=SEARCH_LIMIT))
        titled = search.search_gatherings(reader, query, limit=SEARCH_LIMIT)
        tracks = selectors.track_rows_by_uuids(profile, [hit.track_uuid for hit in hits])
        events = selectors.event_titles(
            {row["session__retreat_id"] for row in tracks.values()} | {row["id"] for row in titled}
        )
        by_event: dict[int, dict] = {}
        for row in titled:
            if row["id"] in events:
                result = self._result(by_event, events[row["id"]])
                result["snippets"].append({"field": "title", "text": row["highlight"]})
                result["totalScore"] = round(result["totalScore"] + TITLE_SCORE, 4)
        sessions: defaultdict[tuple[int, int], dict] = defaultdict(dict)
        for hit in hits:
            row = tracks.get(hit.track_uuid)
            if row is None or row["session__retreat_id"] not in events:
                continue
            event_id = row["session__retreat_id"]
            result = self._result(by_event, events[event_id])
            session = sessions[(event_id, row["session_id"])]
            if not session:
                session.update(
                    id=row["session_id"],
                    titleEn=row["session__name"],
                    titlePt=row["session__name_pt"] or None,
                    sessionDate=shapes.iso_date(row["session__date"]),
                    timePeriod=row["session__type"] if row["session__type"] in shapes.TIME_PERIODS else "other",
                    sessionNumber=row["session__order"],
                    score=0.0,
                    matchedFields=["track_title"],
                    matchedTracks=[],
                )
                result["sessions"].append(session)
            session["score"] = round(session["score"] + hit.score, 4)
            session["matchedTracks"].append({"id": row["id"], "title": row["title"]})
            result["totalScore"] = round(result["totalScore"] + hit.score, 4)
            if hit.highlights and len(result["snippets"]) < 3:
                result["snippets"].append({"field": "track_title", "text": hit.highlights[0]})
        results = sorted(by_event.values(), key=lambda result: result["totalScore"], reverse=True)
        return Response(shapes.search(query, results, len(results)))

    @staticmethod
    def _result(by_event: dict, event: dict) -> dict:
        return by_event.setdefault(
            event["id"],
            {
                "event": {
                    "id": event["id"],
                    "titleEn": event["name"],
                    "titlePt": event["name_pt"] or None,
                    "startDate": shapes.iso_date(event["start_date"]),
                    "endDate": shapes.iso_date(event["end_date"]),
                    "teachers": event["teachers"],
                },
                "sessions": [],
                "snippets": [],
                "totalScore": 0.0,
            },
        )
