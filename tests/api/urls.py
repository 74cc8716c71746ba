"""The project's URLs plus views that fail on purpose, for tests of the error envelope."""

from django.db import InterfaceError, OperationalError
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from padmakara.urls import urlpatterns as project_urlpatterns


class Broken(APIView):
    permission_classes = []

    def get(self, request):
        raise RuntimeError("secret internal detail /srv/app/settings.py")


class DatabaseDown(APIView):
    """What a view sees while PostgreSQL restarts (tests/faults has the real thing)."""

    permission_classes = []

    def get(self, request):
        raise OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")


def database_gone(request):
    raise InterfaceError("connection already closed")


class Echo(APIView):
    permission_classes = []

    def post(self, request):
        return Response({"received": request.data})


urlpatterns = [
    path("api/v1/test/broken", Broken.as_view()),
    path("api/v1/test/echo", Echo.as_view()),
    path("api/v1/test/database-down", DatabaseDown.as_view()),
    path("api/v1/test/database-gone", database_gone),
    *project_urlpatterns,
]

handler404 = "padmakara.api.errors.handler404"
handler500 = "padmakara.api.errors.handler500"
