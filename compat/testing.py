"""``/api/test/*`` of docs/compat-api.md "Test support": only routed when ``COMPAT_TEST_SUPPORT``
is on, which production refuses (padmakara/settings.py)."""

from django.conf import settings
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.providers import get_provider

from . import dataset
from .api import CompatView, not_found


class TestView(CompatView):
    """Answers 404, as any unknown path, unless ``COMPAT_TEST_SUPPORT`` is on."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes: list = []

    def initial(self, request, *args, **kwargs):
        if not settings.COMPAT_TEST_SUPPORT:
            raise not_found()
        super().initial(request, *args, **kwargs)


class UserByEmailView(TestView):
    def get(self, request):
        user = dataset.user_by_email(request.query_params.get("email") or "")
        if user is None:
            raise not_found("No such user.")
        return Response({"id": user.pk, "email": user.email, "role": "admin" if user.is_staff else "user"})


class TokenView(TestView):
    def post(self, request):
        data = self.body(request)
        (user_id,) = self.required(data, "userId")
        user = dataset.user_by_id(self.integer(user_id, "userId"))
        if user is None:
            raise not_found("No such user.")
        tokens = get_provider().sign_in_user(user=user, request=request, allow_staff=True)
        return Response({"token": tokens.access_token, "refreshToken": tokens.refresh_token})


class DatasetView(TestView):
    def get(self, request):
        return Response(dataset.dataset())
