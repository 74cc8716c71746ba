"""Books API (docs/api.md "Books"): the list, one book, and its PDF's signed URL."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from media import signing
from padmakara.api.errors import APIError
from padmakara.api.schema import error_responses
from padmakara.api.throttles import AnonymousThrottle, ContentThrottle, MediaThrottle
from retreats.access import AccessProfile

from . import selectors, services, shapes

LANGUAGE_PARAM = OpenApiParameter(
    "language", OpenApiTypes.STR, enum=["en", "pt"], description="Language of titles (default: the user's)."
)


class BookView(APIView):
    # As the catalogue: a caller with no token sees the free-anyone books only.
    permission_classes = [AllowAny]
    throttle_classes = [AnonymousThrottle, ContentThrottle]

    def profile(self, request) -> AccessProfile:
        return AccessProfile.for_user(request.user)

    def language(self, request) -> str:
        language = request.query_params.get("language") or getattr(request.user, "language", "en")
        if language not in ("en", "pt"):
            raise APIError(
                _("language must be en or pt."), code="validation_error", details={"language": ["Must be en or pt."]}
            )
        return language

    def book_body(self, request, book, language: str) -> dict:
        cover = None
        if book.cover:
            cover = signing.sign(book.cover.name, expires_in=signing.expiry_seconds(), request=request)
        return shapes.Book.build(book, language, cover)


class BookListView(BookView):
    @extend_schema(
        parameters=[LANGUAGE_PARAM],
        responses={200: shapes.BookList, **error_responses(400)},
        summary="Books",
        operation_id="content_books_list",
    )
    def get(self, request):
        language = self.language(request)
        books, hidden = selectors.readable_books(self.profile(request))
        return Response(
            {"books": [self.book_body(request, book, language) for book in books], "hasHiddenPublications": hidden}
        )


class BookDetailView(BookView):
    @extend_schema(
        parameters=[LANGUAGE_PARAM],
        responses={200: shapes.Book, **error_responses(400, 404)},
        summary="Book",
        operation_id="content_book_retrieve",
    )
    def get(self, request, book_id):
        language = self.language(request)
        book = selectors.book_for(self.profile(request), book_id)
        return Response(self.book_body(request, book, language))


class BookURLView(BookView):
    throttle_classes = [AnonymousThrottle, MediaThrottle]

    @extend_schema(
        responses={200: shapes.BookURL, **error_responses(404, 409)},
        summary="Book PDF URL",
        operation_id="content_book_pdf",
    )
    def get(self, request, book_id):
        book = selectors.book_for(self.profile(request), book_id)
        key, page_count, watermarked = services.book_pdf_for(book, request.user)
        filename = f"{book.uuid}.pdf"
        signed = signing.sign(key, expires_in=signing.expiry_seconds(), request=request, filename=filename)
        return Response(shapes.BookURL.build(signed, page_count, watermarked=watermarked))
