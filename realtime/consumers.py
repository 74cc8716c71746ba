"""The app's one WebSocket, ``/ws/v1`` (docs/api.md "Live events").

A connection authenticates with the API's access token, sent in the first message
(``{"type": "auth", "token": …}``) or as a ``Sec-WebSocket-Protocol`` entry
``bearer.<token>`` beside ``padmakara.v1``; never in the URL, which logs would keep. It then
joins its user's group and receives the events ``padmakara.realtime.publish`` sends there.

It is closed with a code saying why (``realtime.auth.Close``): no token in time, a bad one, the
token's expiry (unless the app sent a fresh token in time with another ``auth``), its session
ended (logout, password change, account disabled), too many connections of the user, a message
too big, or a client too slow to take its messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

import orjson
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from padmakara import realtime

from .auth import Close, Identity, Refused, host_allowed, identify, sessions_ended

logger = logging.getLogger(__name__)

PROTOCOL = "padmakara.v1"
BEARER_PREFIX = "bearer."
READY = "ready.v1"
RESUME_GAP = "resume.gap.v1"


class Heartbeat:
    """One per server process: keeps its connections counted and their users present, and
    closes those whose session has ended, in one round to Redis and one query per beat."""

    def __init__(self):
        self.consumers: dict[str, LiveConsumer] = {}
        self.task: asyncio.Task | None = None

    def add(self, consumer: LiveConsumer) -> None:
        self.consumers[consumer.channel_name] = consumer
        if self.task is None or self.task.done():
            self.task = asyncio.get_running_loop().create_task(self.run())

    def remove(self, consumer: LiveConsumer) -> None:
        self.consumers.pop(consumer.channel_name, None)

    async def run(self) -> None:
        while self.consumers:
            await asyncio.sleep(settings.REALTIME_HEARTBEAT_SECONDS)
            live = {channel: c for channel, c in self.consumers.items() if c.identity is not None}
            try:
                await realtime.event_log().aheartbeat({ch: c.identity.user_id for ch, c in live.items()})
                ended = await database_sync_to_async(sessions_ended)({ch: c.identity for ch, c in live.items()})
            except Exception:
                logger.warning("live connections: heartbeat failed", exc_info=True)
                continue
            for channel in ended:
                consumer = self.consumers.get(channel)
                if consumer is not None:
                    await consumer.shut(Close.SESSION_ENDED)


heartbeat = Heartbeat()


class LiveConsumer(AsyncWebsocketConsumer):
    identity: Identity | None = None
    closed = False

    async def connect(self):
        if not host_allowed(self.scope):
            await self.close()  # refused in the handshake (403), as Django refuses a bad Host
            return
        offered = self.scope.get("subprotocols") or []
        await self.accept(subprotocol=PROTOCOL if PROTOCOL in offered else None)
        self.timers: list[asyncio.TimerHandle] = []
        self.loop = asyncio.get_running_loop()
        token = next((p[len(BEARER_PREFIX) :] for p in offered if p.startswith(BEARER_PREFIX)), None)
        if token is not None:
            await self.authenticate(token, resume_after=None)
        else:
            self.later(settings.REALTIME_AUTH_TIMEOUT_SECONDS, Close.NOT_AUTHENTICATED, unless_authenticated=True)

    def later(self, delay: float, close: tuple[int, str], *, unless_authenticated: bool = False) -> asyncio.TimerHandle:
        def fire():
            if unless_authenticated and self.identity is not None:
                return
            self.loop.create_task(self.shut(close))

        handle = self.loop.call_later(max(0.0, delay), fire)
        self.timers.append(handle)
        return handle

    async def shut(self, close: tuple[int, str]) -> None:
        if self.closed:
            return
        self.closed = True
        code, reason = close
        with contextlib.suppress(Exception):
            await self.close(code=code, reason=reason)

    async def receive(self, text_data=None, bytes_data=None):
        if self.closed:
            return
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > settings.REALTIME_MAX_MESSAGE_BYTES:
            await self.shut(Close.MESSAGE_TOO_BIG)
            return
        try:
            message = orjson.loads(text_data) if text_data is not None else None
        except orjson.JSONDecodeError:
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("type"), str):
            await self.shut(Close.BAD_MESSAGE)
            return
        kind = message["type"]
        if kind == "ping":
            await self.send_wire(orjson.dumps({"type": "pong"}))
        elif kind == "auth":
            await self.authenticate(message.get("token"), resume_after=message.get("resumeAfter"))
        elif kind == "resume" and self.identity is not None:
            await self.resume(message.get("after"))
        else:
            await self.shut(Close.BAD_MESSAGE)

    async def authenticate(self, token, *, resume_after) -> None:
        try:
            identity = await database_sync_to_async(identify)(token, self.scope)
        except Refused as refused:
            await self.shut(refused.close)
            return
        if self.identity is not None:
            # A fresh token for the same user keeps the connection open past the old one's expiry.
            if identity.user_id != self.identity.user_id:
                await self.shut(Close.INVALID_TOKEN)
                return
            self.expiry.cancel()
            self.identity = identity
            self.expiry = self.later(identity.expires_at - time.time(), Close.TOKEN_EXPIRED)
            await self.join_groups()  # channels-redis forgets group members after a day
            await self.send_wire(self.ready_message())
            return
        log = realtime.event_log()
        count = await log.aopen(identity.user_id, self.channel_name)
        if count > settings.REALTIME_MAX_CONNECTIONS_PER_USER:
            await log.aclose(identity.user_id, self.channel_name)
            await self.shut(Close.TOO_MANY_CONNECTIONS)
            return
        self.identity = identity
        await self.join_groups()
        heartbeat.add(self)
        self.expiry = self.later(identity.expires_at - time.time(), Close.TOKEN_EXPIRED)
        await self.send_wire(self.ready_message())
        if resume_after is not None:
            await self.resume(resume_after)

    def groups_of(self) -> tuple[str, ...]:
        return (realtime.user_group(self.identity.user_id),)

    async def join_groups(self) -> None:
        for group in self.groups_of():
            await self.channel_layer.group_add(group, self.channel_name)

    def ready_message(self) -> bytes:
        return orjson.dumps(
            {
                "type": READY,
                "data": {
                    "tokenExpiresAt": int(self.identity.expires_at),
                    "resumeSeconds": settings.REALTIME_RESUME_SECONDS,
                },
            }
        )

    async def resume(self, after) -> None:
        missed = await realtime.event_log().areplay(self.identity.user_id, after, skip_origin=self.identity.session)
        if missed is None:
            await self.send_wire(orjson.dumps({"type": RESUME_GAP, "data": {"after": after}}))
            return
        for wire in missed:
            await self.send_wire(wire)

    async def send_wire(self, wire: bytes | str) -> None:
        """Send, or close a client that does not take it within REALTIME_SEND_TIMEOUT_SECONDS: its
        messages wait in its own queue meanwhile, so nobody else waits with it."""
        if self.closed:
            return
        text = wire.decode() if isinstance(wire, bytes) else wire
        try:
            async with asyncio.timeout(settings.REALTIME_SEND_TIMEOUT_SECONDS):  # no task per send, unlike wait_for
                await self.send(text_data=text)
        except TimeoutError:
            await self.shut(Close.TOO_SLOW)

    # --- group messages (padmakara.realtime) ----------------------------------------------

    async def rt_event(self, message):
        if self.identity is None:
            return
        if message.get("origin") and message["origin"] == self.identity.session:
            return  # the device that caused it knows already
        await self.send_wire(message["text"])

    async def rt_recheck(self, message):
        if self.identity is None:
            return
        ended = await database_sync_to_async(sessions_ended)({self.channel_name: self.identity})
        if ended:
            await self.shut(Close.SESSION_ENDED)

    async def disconnect(self, code):
        self.closed = True
        for handle in getattr(self, "timers", ()):
            handle.cancel()
        heartbeat.remove(self)
        if self.identity is not None:
            with contextlib.suppress(Exception):
                for group in self.groups_of():
                    await self.channel_layer.group_discard(group, self.channel_name)
                await realtime.event_log().aclose(self.identity.user_id, self.channel_name)
