"""Request ids, JSON logs and optional Sentry.

Every request gets an id (the caller's ``X-Request-ID`` when it looks sane, else the load
balancer's trace id, else a new one). It is returned in the response header, stamped on every
log record written while the request runs, sent along with every Celery task the request
queues (as a message header) and restored in the worker, so one id follows a piece of work from
the load balancer to the last task it caused.
"""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from padmakara import tracing

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
task_var: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar("task", default=None)

REQUEST_ID_HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
_SANE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:=-]{7,127}$")
_AMZN_ROOT = re.compile(r"Root=([A-Za-z0-9-]{8,64})")

request_logger = logging.getLogger("padmakara.request")


def new_request_id() -> str:
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    return request_id_var.get()


def request_id_from_headers(headers) -> str:
    """The id this request should carry: caller's, then the ALB trace root, then a new one."""
    given = headers.get(REQUEST_ID_HEADER, "")
    if _SANE_ID.match(given):
        return given
    trace = _AMZN_ROOT.search(headers.get("X-Amzn-Trace-Id", ""))
    if trace:
        return trace.group(1)
    return new_request_id()


class RequestIdMiddleware:
    """Sets the request id for the request's duration and writes one JSON-able log line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from_headers(request.headers)
        token = request_id_var.set(request_id)
        request.request_id = request_id
        if tracing.is_configured():
            tracing.tag_current_span(request_id=request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            user = getattr(request, "user", None)
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class RequestIdFilter(logging.Filter):
    """Stamps the current request id (and task, inside a worker; trace and span ids when
    tracing is on) on every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get() or "-"
        if tracing.is_configured() and not hasattr(record, "trace_id"):
            ids = tracing.current_trace_ids()
            if ids is not None:
                record.trace_id, record.span_id = ids
        task = task_var.get()
        if task is not None and not hasattr(record, "task_id"):
            record.task_id, record.task_name = task
        return True


# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, the shape CloudWatch Logs Insights reads without parsing rules."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


# --- Celery: carry the id from the publisher to the worker ----------------------------------


def _attach_request_id(headers=None, **_kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id and TASK_HEADER not in headers:
        headers[TASK_HEADER] = request_id


def _enter_task(task_id=None, task=None, **_kwargs) -> None:
    if task is None:
        return
    # Eager tasks (local mode) run inside the request and keep its id; a task queued outside
    # any request (beat, a shell) gets an id of its own, so its log lines and the tasks it
    # queues can still be followed together.
    request_id = getattr(task.request, TASK_HEADER, None) or request_id_var.get() or new_request_id()
    task.request._padmakara_tokens = (request_id_var.set(request_id), task_var.set((task_id, task.name)))


def _leave_task(task=None, **_kwargs) -> None:
    tokens = getattr(task.request, "_padmakara_tokens", None) if task is not None else None
    if tokens:
        request_id_var.reset(tokens[0])
        task_var.reset(tokens[1])


def connect_celery_signals() -> None:
    from celery.signals import before_task_publish, task_postrun, task_prerun

    before_task_publish.connect(_attach_request_id, weak=False, dispatch_uid="padmakara.request_id.publish")
    task_prerun.connect(_enter_task, weak=False, dispatch_uid="padmakara.request_id.prerun")
    task_postrun.connect(_leave_task, weak=False, dispatch_uid="padmakara.request_id.postrun")


# --- Sentry -----------------------------------------------------------------------------


def init_sentry(*, dsn: str, environment: str, release: str | None, traces_sample_rate: float) -> bool:
    """Start Sentry if the SDK is installed; returns whether it did. Never a hard dependency."""
    try:
        import sentry_sdk
    except ImportError:
        logging.getLogger(__name__).warning("SENTRY_DSN is set but sentry-sdk is not installed; Sentry is off.")
        return False

    def tag_request_id(event, _hint):
        request_id = request_id_var.get()
        if request_id:
            event.setdefault("tags", {})["request_id"] = request_id
        return event

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        release=release,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        before_send=tag_request_id,
    )
    return True
