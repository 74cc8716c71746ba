"""The ASGI application: HTTP through Django as under WSGI, and the app's WebSocket (``/ws/v1``,
the ``realtime`` app, named by ``REALTIME_WEBSOCKET_APPLICATION`` so that this project-level
module imports no app above it). Served by uvicorn: ``manage.py serve`` (docs/architecture.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "padmakara.settings")

django_application = get_asgi_application()  # sets Django up before the routing is imported

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils.module_loading import import_string  # noqa: E402

if settings.DEBUG:
    # As runserver does: static files from the apps' folders, streamed the asynchronous way.
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    django_application = ASGIStaticFilesHandler(django_application)

application = ProtocolTypeRouter(
    {"http": django_application, "websocket": import_string(settings.REALTIME_WEBSOCKET_APPLICATION)}
)
