"""The WebSocket side of the ASGI application (padmakara/asgi.py): one path, ``/ws/v1``."""

from channels.routing import URLRouter
from channels.security.websocket import WebsocketDenier
from django.urls import path, re_path

from .consumers import LiveConsumer

application = URLRouter(
    [
        path("ws/v1", LiveConsumer.as_asgi()),
        path("ws/v1/", LiveConsumer.as_asgi()),
        re_path(r"", WebsocketDenier.as_asgi()),
    ]
)
