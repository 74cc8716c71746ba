"""Serve the ASGI application (HTTP and the app's WebSocket) with uvicorn.

Production runs it as the web bundle's ``ws`` process, behind nginx, which sends it ``/ws/``;
``make run`` runs it with ``--reload`` for everything. The WebSocket limits come from the
settings (``REALTIME_PING_SECONDS``, ``REALTIME_MAX_MESSAGE_BYTES``), so they are set once.
"""

import uvicorn
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve HTTP and the live-events WebSocket (/ws/v1) with uvicorn."

    def add_arguments(self, parser):
        parser.add_argument("address", nargs="?", default=None, help="host:port (default REALTIME_BIND)")
        parser.add_argument("--workers", type=int, default=None, help="processes (default REALTIME_WORKERS)")
        parser.add_argument("--reload", action="store_true", help="restart when the code changes (development)")

    def handle(self, *args, address, workers, reload, **options):
        host, _sep, port = (address or settings.REALTIME_BIND).rpartition(":")
        uvicorn.run(
            "padmakara.asgi:application",
            host=host or "127.0.0.1",
            port=int(port),
            workers=None if reload else (workers or settings.REALTIME_WORKERS),
            reload=reload,
            reload_dirs=[str(settings.BASE_DIR)] if reload else None,
            # websockets' protocol: pings, a size limit enforced before a frame is buffered whole
            # (1009), and back-pressure (a send waits while the client's socket buffer is full).
            ws="websockets-sansio",
            ws_max_size=settings.REALTIME_MAX_MESSAGE_BYTES,
            ws_ping_interval=settings.REALTIME_PING_SECONDS,
            ws_ping_timeout=settings.REALTIME_PING_SECONDS,
            # nginx on the same instance is the only client; it sets X-Forwarded-For/-Proto.
            proxy_headers=True,
            forwarded_allow_ips="127.0.0.1",
            lifespan="off",
            # One JSON line per request comes from RequestIdMiddleware, as under gunicorn.
            access_log=False,
            log_config=None,
            timeout_graceful_shutdown=10,
        )
