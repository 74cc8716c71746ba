"""Live events to the app's WebSocket connections (docs/api.md "Live events").

Services call :func:`publish` once their transaction has committed (``transaction.on_commit``);
it never raises: a lost event loses no data, since the app's next sync and its ETags still
answer correctly. The connections themselves are served by the ``realtime`` app.

For each event and user, :func:`publish`

1. appends the event to the user's log (a short Redis stream, ``REALTIME_RESUME_SECONDS`` long),
   which gives it its ``id``: a reconnecting client sends the last ``id`` it saw and gets what
   it missed (:meth:`EventLog.areplay`);
2. publishes it to the user's group (:func:`user_group`), which every connection of the user
   has joined: on Redis, one pipeline of ``PUBLISH`` for all the users of a fan-out
   (channels-redis's pub/sub layer); each server process hands it to its connections' queues.
   The sender never waits for a client, and a slow client only for itself.

Only users connected within the resume window are sent anything (:meth:`EventLog.online`),
so a fan-out to a gathering's audience costs what its connected part costs.

The log, presence and connection counts live in Redis (``REALTIME_REDIS_URL``) or, without it,
in this process's memory (``make run``: one process serves and sends).
"""

from __future__ import annotations

import asyncio
import collections
import datetime
import logging
import threading
import time
from collections.abc import Iterable

import orjson
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from padmakara.api.formats import iso_datetime

logger = logging.getLogger(__name__)

# Event types: the name says what happened, the suffix the version of its data's shape. A change
# that would break an app gets a new version, sent beside the old one until apps have moved.
PROGRESS_UPDATED = "progress.updated.v1"
CATALOGUE_CHANGED = "catalogue.changed.v1"
BUNDLE_READY = "bundle.ready.v1"
NOTIFICATION_CREATED = "notification.created.v1"

# Group messages the consumers handle (``type`` with dots → method name with underscores).
EVENT_MESSAGE = "rt.event"
RECHECK_MESSAGE = "rt.recheck"

FAN_OUT_CONCURRENCY = 64


def user_group(user_id: int) -> str:
    """The channel-layer group every connection of one user joins."""
    return f"rt.user.{user_id}"


def envelope(*, event_id: str, event_type: str, sent_at: str, data_json: bytes) -> bytes:
    """An event as sent on the wire: ``{type, id, sentAt, data}``, JSON (camelCase keys in
    ``data``, given already serialised: a fan-out serialises it once for every user)."""
    return b"".join(
        (
            b'{"type":',
            orjson.dumps(event_type),
            b',"id":',
            orjson.dumps(event_id),
            b',"sentAt":',
            orjson.dumps(sent_at),
            b',"data":',
            data_json,
            b"}",
        )
    )


def _now() -> str:
    return iso_datetime(datetime.datetime.now(datetime.UTC)) or ""


def _parse_id(event_id: object) -> tuple[int, int] | None:
    if not isinstance(event_id, str):
        return None
    first, _sep, second = event_id.partition("-")
    if not first.isdigit() or not second.isdigit() or len(event_id) > 40:
        return None
    return int(first), int(second)


class EventLog:
    """Per-user event logs, presence and connection counts (one backend per process)."""

    window: int

    def __init__(self, *, window: int):
        self.window = window

    # --- sender side (sync) ---------------------------------------------------------------
    def online(self, user_ids: Iterable[int] | None = None) -> set[int]:
        """Of ``user_ids`` (all when None), those connected within the resume window."""
        raise NotImplementedError

    def append(
        self, items: list[tuple[int, bytes]], event_type: str, origin: str | None, sent_at: str
    ) -> dict[int, tuple[str, bytes]]:
        """Log an event for each ``(user_id, data as JSON)``; ``{user_id: (event id, wire bytes)}``."""
        raise NotImplementedError

    # --- connection side (async) ----------------------------------------------------------
    async def areplay(self, user_id: int, after: str, *, skip_origin: str | None) -> list[bytes] | None:
        """The user's events after ``after`` (oldest first), those from ``skip_origin`` left
        out; None when ``after`` is unknown or older than the window (the client must resync)."""
        raise NotImplementedError

    async def aopen(self, user_id: int, channel: str) -> int:
        """Count a new connection of the user; returns how many are open, this one included."""
        raise NotImplementedError

    async def aclose(self, user_id: int, channel: str) -> None:
        raise NotImplementedError

    async def aheartbeat(self, connections: dict[str, int]) -> None:
        """Keep these connections (channel → user id) counted and their users present."""
        raise NotImplementedError

    def _too_old(self, parsed: tuple[int, int]) -> bool:
        return parsed[0] < (time.time() - self.window) * 1000


class MemoryEventLog(EventLog):
    """In this process only: ``make run`` and single-process servers."""

    def __init__(self, *, window: int):
        super().__init__(window=window)
        self._lock = threading.Lock()
        self._logs: dict[int, collections.deque] = collections.defaultdict(collections.deque)
        self._last_id: dict[int, tuple[int, int]] = {}
        self._seen: dict[int, float] = {}
        self._connections: dict[int, dict[str, float]] = collections.defaultdict(dict)

    def _trim(self, log: collections.deque, now: float) -> None:
        while log and log[0][0][0] < (now - self.window) * 1000:
            log.popleft()

    def online(self, user_ids=None) -> set[int]:
        since = time.time() - self.window
        with self._lock:
            present = {uid for uid, seen in self._seen.items() if seen >= since}
        return present if user_ids is None else present & set(user_ids)

    def append(self, items, event_type, origin, sent_at) -> dict[int, tuple[str, bytes]]:
        now = time.time()
        out = {}
        with self._lock:
            for uid, data_json in items:
                ms = int(now * 1000)
                last = self._last_id.get(uid, (0, 0))
                parsed = (ms, 0) if ms > last[0] else (last[0], last[1] + 1)
                self._last_id[uid] = parsed
                event_id = f"{parsed[0]}-{parsed[1]}"
                wire = envelope(event_id=event_id, event_type=event_type, sent_at=sent_at, data_json=data_json)
                log = self._logs[uid]
                log.append((parsed, origin, wire))
                self._trim(log, now)
                out[uid] = (event_id, wire)
        return out

    async def areplay(self, user_id, after, *, skip_origin):
        parsed = _parse_id(after)
        if parsed is None or self._too_old(parsed):
            return None
        with self._lock:
            return [wire for key, origin, wire in self._logs.get(user_id, ()) if key > parsed and origin != skip_origin]

    async def aopen(self, user_id, channel) -> int:
        now = time.time()
        with self._lock:
            self._seen[user_id] = now
            mine = self._connections[user_id]
            mine[channel] = now
            return len(mine)

    async def aclose(self, user_id, channel) -> None:
        with self._lock:
            self._seen[user_id] = time.time()
            self._connections[user_id].pop(channel, None)

    async def aheartbeat(self, connections) -> None:
        now = time.time()
        with self._lock:
            for uid in connections.values():
                self._seen[uid] = now


class RedisEventLog(EventLog):
    """Shared by every process: a stream per user (``rt:log:<id>``, trimmed by age), presence
    (``rt:online``, user → last seen) and open connections (``rt:conns:<id>``, channel → expiry)."""

    ONLINE = "rt:online"

    def __init__(self, *, url: str, window: int, heartbeat: float):
        super().__init__(window=window)
        import redis

        self.url = url
        self.heartbeat = heartbeat
        self.sync = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self._async: dict[int, object] = {}

    def _aclient(self):
        import redis.asyncio

        loop = asyncio.get_running_loop()
        client = self._async.get(id(loop))
        if client is None:
            client = redis.asyncio.Redis.from_url(self.url, socket_timeout=5, socket_connect_timeout=2)
            self._async[id(loop)] = client
        return client

    @staticmethod
    def _log_key(uid: int) -> str:
        return f"rt:log:{uid}"

    @staticmethod
    def _conns_key(uid: int) -> str:
        return f"rt:conns:{uid}"

    def online(self, user_ids=None) -> set[int]:
        since = time.time() - self.window
        if user_ids is None:
            members: list[bytes] = self.sync.zrangebyscore(self.ONLINE, since, "+inf")  # type: ignore[assignment]
            return {int(uid) for uid in members}
        user_ids = list(user_ids)
        if not user_ids:
            return set()
        scores = self.sync.zmscore(self.ONLINE, user_ids)
        return {uid for uid, score in zip(user_ids, scores, strict=True) if score is not None and score >= since}

    def append(self, items, event_type, origin, sent_at) -> dict[int, tuple[str, bytes]]:
        # The stream gives each entry its id; the entry is completed with its wire form, which
        # needs the id, in the same pipeline's second round.
        min_id = int((time.time() - self.window) * 1000)
        pipe = self.sync.pipeline(transaction=False)
        for uid, _data in items:
            pipe.xadd(self._log_key(uid), {"o": origin or ""}, minid=min_id, approximate=True)
            pipe.expire(self._log_key(uid), self.window)
        ids = pipe.execute()[::2]
        out = {}
        pipe = self.sync.pipeline(transaction=False)
        for (uid, data_json), raw_id in zip(items, ids, strict=True):
            event_id = raw_id.decode()
            wire = envelope(event_id=event_id, event_type=event_type, sent_at=sent_at, data_json=data_json)
            # Streams cannot change an entry: the wire form goes beside it, under its id.
            pipe.set(f"rt:ev:{uid}:{event_id}", wire, ex=self.window)
            out[uid] = (event_id, wire)
        pipe.execute()
        return out

    async def areplay(self, user_id, after, *, skip_origin):
        parsed = _parse_id(after)
        if parsed is None or self._too_old(parsed):
            return None
        client = self._aclient()
        entries = await client.xrange(self._log_key(user_id), min=f"({after}", max="+", count=1000)
        wanted = [
            raw_id.decode() for raw_id, fields in entries if (fields.get(b"o") or b"").decode() != (skip_origin or "")
        ]
        if not wanted:
            return []
        wires = await client.mget([f"rt:ev:{user_id}:{event_id}" for event_id in wanted])
        return [wire for wire in wires if wire is not None]

    async def aopen(self, user_id, channel) -> int:
        now = time.time()
        key = self._conns_key(user_id)
        pipe = self._aclient().pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zadd(key, {channel: now + 3 * self.heartbeat})
        pipe.expire(key, int(3 * self.heartbeat) + 1)
        pipe.zcard(key)
        pipe.zadd(self.ONLINE, {str(user_id): now})
        results = await pipe.execute()
        return int(results[3])

    async def aclose(self, user_id, channel) -> None:
        pipe = self._aclient().pipeline(transaction=False)
        pipe.zrem(self._conns_key(user_id), channel)
        pipe.zadd(self.ONLINE, {str(user_id): time.time()})
        await pipe.execute()

    async def aheartbeat(self, connections) -> None:
        if not connections:
            return
        now = time.time()
        pipe = self._aclient().pipeline(transaction=False)
        for channel, uid in connections.items():
            pipe.zadd(self._conns_key(uid), {channel: now + 3 * self.heartbeat})
            pipe.expire(self._conns_key(uid), int(3 * self.heartbeat) + 1)
        pipe.zadd(self.ONLINE, {str(uid): now for uid in set(connections.values())})
        pipe.zremrangebyscore(self.ONLINE, "-inf", now - self.window)
        await pipe.execute()


_logs: dict[tuple, EventLog] = {}
_logs_lock = threading.Lock()


def event_log() -> EventLog:
    """The process's event log for the current settings."""
    key = (settings.REALTIME_REDIS_URL, settings.REALTIME_RESUME_SECONDS, settings.REALTIME_HEARTBEAT_SECONDS)
    log = _logs.get(key)
    if log is None:
        with _logs_lock:
            log = _logs.get(key)
            if log is None:
                if settings.REALTIME_REDIS_URL:
                    log = RedisEventLog(
                        url=settings.REALTIME_REDIS_URL,
                        window=settings.REALTIME_RESUME_SECONDS,
                        heartbeat=settings.REALTIME_HEARTBEAT_SECONDS,
                    )
                else:
                    log = MemoryEventLog(window=settings.REALTIME_RESUME_SECONDS)
                _logs[key] = log
    return log


@receiver(setting_changed)
def _settings_changed(setting, **kwargs):
    if setting.startswith("REALTIME_"):
        _logs.clear()


def channel_layer():
    from channels.layers import get_channel_layer

    return get_channel_layer()


async def _deliver(messages: list[tuple[str, dict]]) -> None:
    layer = channel_layer()
    limit = asyncio.Semaphore(FAN_OUT_CONCURRENCY)

    async def one(group: str, message: dict) -> None:
        async with limit:
            await layer.group_send(group, message)

    await asyncio.gather(*(one(group, message) for group, message in messages))


def _deliver_via_redis(log: RedisEventLog, messages: list[tuple[str, dict]]) -> None:
    """channels-redis's pub/sub layer, the way its ``group_send`` does it (a group is a Redis
    channel ``<prefix>__group__<name>``), but in one pipeline: a fan-out to thousands of users is
    one round trip, where ``group_send`` takes one at a time under a lock."""
    layer = channel_layer()
    config = dict(settings.CHANNEL_LAYERS["default"].get("CONFIG") or {})  # type: ignore[arg-type]
    prefix = config.get("prefix", "asgi")
    pipe = log.sync.pipeline(transaction=False)
    for group, message in messages:
        pipe.publish(f"{prefix}__group__{group}", layer.serialize(message))
    pipe.execute()


def publish(*, user_ids: Iterable[int], event_type: str, data: dict, origin: str | None = None) -> int:
    """Send an event to each of ``user_ids`` connected lately (the other users are skipped: their
    app catches up when it opens). ``origin``: the session (``accounts.revocation.session_id``)
    of the device that caused it, which does not get it back. Returns how many users were sent
    it. Call it after commit; it logs and swallows any failure."""
    data_json = orjson.dumps(data)
    return _publish([(uid, data_json) for uid in set(user_ids)], event_type=event_type, origin=origin)


def publish_each(*, items: list[tuple[int, dict]], event_type: str, origin: str | None = None) -> int:
    """:func:`publish` with data of its own for each user: ``items`` are ``(user_id, data)``."""
    by_user = {uid: orjson.dumps(data) for uid, data in items}
    return _publish(list(by_user.items()), event_type=event_type, origin=origin)


def _publish(items: list[tuple[int, bytes]], *, event_type: str, origin: str | None) -> int:
    try:
        log = event_log()
        online = log.online(uid for uid, _data in items)
        targets = sorted(item for item in items if item[0] in online)
        if not targets:
            return 0
        logged = log.append(targets, event_type, origin, _now())
        messages = [
            (user_group(uid), {"type": EVENT_MESSAGE, "text": wire.decode(), "origin": origin or ""})
            for uid, (_event_id, wire) in logged.items()
        ]
        if isinstance(log, RedisEventLog) and _is_pubsub_layer():
            _deliver_via_redis(log, messages)
        else:
            async_to_sync(_deliver)(messages)
        return len(logged)
    except Exception:  # a missed event costs the app a refresh, never data
        logger.warning("live event %s could not be sent", event_type, exc_info=True)
        return 0


def _is_pubsub_layer() -> bool:
    return settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"


def recheck_sessions(*, user_id: int) -> None:
    """Ask the user's connections to check at once that their session is still live (a logout,
    a password change or a disabled account closes them). Call it after commit."""
    try:
        async_to_sync(channel_layer().group_send)(user_group(user_id), {"type": RECHECK_MESSAGE})
    except Exception:  # the connections check again at their next heartbeat anyway
        logger.warning("could not ask user %s's connections to recheck their session", user_id, exc_info=True)
