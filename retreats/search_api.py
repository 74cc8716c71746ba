"""``GET /content/search`` (docs/api.md "Content"): validate, search, respond."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers

from padmakara.api.errors import APIError
from padmakara.api.pagination import page_from
from padmakara.api.schema import ERROR_RESPONSES

from . import search, shapes
from .api import CONTENT_LANGUAGE_PARAM, ContentView


class SearchInput(serializers.Serializer):
    q = serializers.CharField(trim_whitespace=True)
    type = serializers.ChoiceField(choices=search.TYPES, required=False)
    language = serializers.ChoiceField(choices=search.LANGUAGES, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read per request so that the limit follows settings (and tests can change it).
        limit = settings.SEARCH_MAX_QUERY_LENGTH
        self.fields["q"].max_length = limit
        self.fields["q"].validators.append(
            MaxLengthValidator(
                limit, message=_("Ensure this field has no more than %(limit)s characters.") % {"limit": limit}
            )
        )


class SearchView(ContentView):
    @extend_schema(
        operation_id="content_search",
        description=(
            "Full text over titles, descriptions and transcript pages of the content the user may play. "
            'Words in the user\'s form: "a phrase", -excluded, or. English and Portuguese stemming, '
            "accents optional (on PostgreSQL)."
        ),
        parameters=[
            OpenApiParameter(
                "q", OpenApiTypes.STR, required=True, description="At most SEARCH_MAX_QUERY_LENGTH (200) characters."
            ),
            OpenApiParameter("type", OpenApiTypes.STR, enum=list(search.TYPES)),
            OpenApiParameter(
                "language", OpenApiTypes.STR, enum=list(search.LANGUAGES), description="Content language."
            ),
            CONTENT_LANGUAGE_PARAM,
            OpenApiParameter("limit", OpenApiTypes.INT),
            OpenApiParameter("offset", OpenApiTypes.INT),
        ],
        responses={200: shapes.SearchResults, **ERROR_RESPONSES},
    )
    def get(self, request):
        params = SearchInput(data=request.query_params)
        if not params.is_valid():
            raise APIError(
                _("The search has invalid parameters."), code="validation_error", details=_plain(params.errors)
            )
        page = page_from(request)
        reader = self.reader(request)
        query = search.SearchRequest(
            text=params.validated_data["q"],
            type=params.validated_data.get("type"),
            language=params.validated_data.get("language"),
            limit=page.limit,
            offset=page.offset,
        )

        def build():
            hits, total = search.search_content(reader, query)
            return shapes.SearchResults.build(page, total, results=[shapes.SearchResult.build(hit) for hit in hits])

        return self.respond(request, reader, build)


def _plain(errors) -> dict:
    return {field: [str(message) for message in messages] for field, messages in errors.items()}
