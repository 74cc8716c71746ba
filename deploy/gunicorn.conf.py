"""Gunicorn settings for the web process (copied to the bundle's root as gunicorn.conf.py).

nginx on the same instance proxies to 127.0.0.1:$PORT (Elastic Beanstalk's default 8000).
Timeouts nest from the outside in so the innermost gives up first and the caller sees a clean
error: ALB idle 60 s < nginx keep-alive 75 s; gunicorn 60 s < nginx proxy_read_timeout 75 s.
"""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
# Threads overlap the waits on PostgreSQL, Redis and S3; processes use the cores. Measured
# with bench/load.py (deploy/README.md "Web process"): gthread, one process per core with 8
# threads each, served the mobile mix at 2.5x the throughput of 5 sync workers on 2 cores.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak never becomes an outage.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on tmpfs: a slow EBS volume must not make the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = "127.0.0.1"
# RequestIdMiddleware writes one JSON line per request; nginx keeps its own access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "padmakara-web"

# gunicorn's own lines (boot, worker timeouts) in the same JSON shape as the app's, so one
# Logs Insights query reads the whole web.stdout.log. The formatter needs only the stdlib.
if os.environ.get("LOG_FORMAT", "json") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "padmakara.observability.JsonFormatter"}},
        "handlers": {
            "console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"},
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {"gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"], "propagate": False}},
    }
