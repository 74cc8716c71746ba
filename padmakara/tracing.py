"""OpenTelemetry tracing, exported to AWS X-Ray through the collector on the instance.

Off unless ``TRACING`` is true (docs/configuration.md, "Observability"): tests and
``make run`` need no collector. When on, requests (Django), queries (psycopg), AWS calls
(botocore), cache and broker commands (redis) and tasks (Celery) become spans, with trace ids
in X-Ray's format so the ALB's ``X-Amzn-Trace-Id`` continues into the app; the OTLP exporter
sends them to ``OTEL_EXPORTER_OTLP_ENDPOINT`` (the ADOT collector on 127.0.0.1:4318, which
forwards to X-Ray). Every JSON log line written inside a span carries its ``trace_id`` (X-Ray
form) and ``span_id`` beside the ``request_id``, and every request span carries the request
id, so either leads to the other.

The standard ``OTEL_*`` variables (service name, sampler, excluded URLs…) are read by the SDK.
"""

import logging
import os
import threading

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_configured = False


def is_configured() -> bool:
    return _configured


def configure_tracing(*, service_name: str, release: str) -> bool:
    """Install the tracer provider and the instrumentations once per process; returns whether it did."""
    global _configured
    with _lock:
        if _configured:
            return False
        from opentelemetry import propagate, trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
        from opentelemetry.instrumentation.celery import CeleryInstrumentor
        from opentelemetry.instrumentation.django import DjangoInstrumentor
        from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.propagators.aws import AwsXRayPropagator
        from opentelemetry.propagators.composite import CompositePropagator
        from opentelemetry.sdk.extension.aws.trace import AwsXRayIdGenerator
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
        from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

        # OTEL_SERVICE_NAME (padmakara-web, padmakara-worker) and OTEL_RESOURCE_ATTRIBUTES
        # (deployment.environment.name=…) are the SDK's; the name given here is the fallback.
        attributes = {"service.version": release}
        if not os.environ.get("OTEL_SERVICE_NAME"):
            attributes["service.name"] = service_name
        resource = Resource.create(attributes)
        # X-Ray ids start with the time; the sampler is the SDK's (OTEL_TRACES_SAMPLER), whose
        # default follows the parent's decision: the ALB's sampled flag for requests.
        provider = TracerProvider(resource=resource, id_generator=AwsXRayIdGenerator())
        # The batch processor re-creates its thread after a fork (Celery's prefork pool).
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
        propagate.set_global_textmap(CompositePropagator([AwsXRayPropagator(), TraceContextTextMapPropagator()]))

        DjangoInstrumentor().instrument(tracer_provider=provider)
        PsycopgInstrumentor().instrument(tracer_provider=provider, enable_commenter=False)
        BotocoreInstrumentor().instrument(tracer_provider=provider)
        RedisInstrumentor().instrument(tracer_provider=provider)
        CeleryInstrumentor().instrument(tracer_provider=provider)
        _configured = True
        logger.info("Tracing on: spans go to the OTLP endpoint as %s", service_name)
        return True


def xray_trace_id(trace_id: int) -> str:
    """A 128-bit trace id in X-Ray's form (``1-<8 hex time>-<24 hex>``), as X-Ray's console shows it."""
    hex_id = f"{trace_id:032x}"
    return f"1-{hex_id[:8]}-{hex_id[8:]}"


def current_trace_ids() -> tuple[str, str] | None:
    """(trace id in X-Ray form, span id) of the span running now, or None outside any span."""
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return xray_trace_id(context.trace_id), f"{context.span_id:016x}"


def tag_current_span(**attributes) -> None:
    from opentelemetry import trace

    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes({f"padmakara.{key}": value for key, value in attributes.items()})
