"""What operators see: a request id on every log line of a request, one log line and
Prometheus metrics per GraphQL operation, and gauges read at scrape time (pool, queue).

Metrics (GET /metrics, Prometheus text format):
    rangebook_operations_total{operation,type}            operations run
    rangebook_operation_seconds{operation,type}           their latency (histogram)
    rangebook_errors_total{code}                          coded errors answered
    rangebook_open_websockets                             sockets open now
    rangebook_db_pool_connections{state}                  the pool: size, available, waiting
    rangebook_jobs{queue,status}                          the task queue: todo, doing, failed ...
    rangebook_webhook_deliveries{status}                  pending, delivered, dead
    rangebook_database_up                                 1 when those could be read

Operation names come from clients: the first MAX_OPERATION_NAMES distinct ones are kept as
labels, later ones count as "other", so no client can grow the registry without bound.
With several server processes set PROMETHEUS_MULTIPROC_DIR (prometheus_client's
multiprocess mode) so that any process answers for all of them.
"""

import contextvars
import logging
import os
import random
import re
import threading
import time

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

logger = logging.getLogger("rangebook.operations")
disable_created_metrics()  # no `_created` series beside every counter

REQUEST_ID = contextvars.ContextVar("request_id", default="-")
CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
MAX_OPERATION_NAMES = 200

OPERATIONS = Counter("rangebook_operations", "GraphQL operations run.", ["operation", "type"])
LATENCY = Histogram("rangebook_operation_seconds", "GraphQL operation latency.",
                    ["operation", "type"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
ERRORS = Counter("rangebook_errors", "Coded errors answered, by code.", ["code"])
OPEN_WEBSOCKETS = Gauge("rangebook_open_websockets", "Websockets open now.",
                        multiprocess_mode="livesum")

_names: set[str] = set()
_names_lock = threading.Lock()


def new_request_id(client_value: str | None = None) -> str:
    """The client's X-Request-ID when it is a sensible token, else a fresh one."""
    if client_value and CLIENT_REQUEST_ID.fullmatch(client_value):
        return client_value
    # 32 hex digits, as uuid4().hex was; an id to find lines by, not a secret: no system
    # call for randomness on every request.
    return f"{random.getrandbits(128):032x}"


def operation_label(name: str | None) -> str:
    if not name:
        return "anonymous"
    with _names_lock:
        if name in _names or len(_names) < MAX_OPERATION_NAMES:
            _names.add(name)
            return name
    return "other"


def operation_done(*, name: str | None, kind: str, seconds: float, codes: list[str]) -> None:
    """Count, time and log one operation."""
    label = operation_label(name)
    counter, latency = _series(label, kind)
    counter.inc()
    latency.observe(seconds)
    for code in codes:
        ERRORS.labels(code).inc()
    if logger.isEnabledFor(logging.INFO):
        # The record made directly: logger.info() would walk the stack for the caller's
        # file and line, which no line of ours shows (a fifth of the line's cost).
        logger.handle(logger.makeRecord(
            logger.name, logging.INFO, __file__, 0, "operation", (), None,
            extra={"operation": name or "anonymous", "type": kind,
                   "duration_ms": round(seconds * 1000, 1), "error_codes": codes}))


_operation_series: dict[tuple[str, str], tuple] = {}


def _series(label: str, kind: str) -> tuple:
    """The counter and histogram of one operation label and type (prometheus_client's
    labels() takes a lock and builds a key on every call); at most MAX_OPERATION_NAMES + 1
    labels, of four types."""
    series = _operation_series.get((label, kind))
    if series is None:
        series = _operation_series[(label, kind)] = (OPERATIONS.labels(label, kind),
                                                     LATENCY.labels(label, kind))
    return series


def error_answered(code: str) -> None:
    """A coded error answered outside GraphQL execution (HTTP: bad body, bad token ...)."""
    ERRORS.labels(code).inc()


class Timer:
    def __init__(self) -> None:
        self.started = time.perf_counter()

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


class DatabaseCollector(Collector):
    """Gauges read when Prometheus scrapes: the pool of this process, the task queue and
    the webhook deliveries (two small queries)."""

    def collect(self):
        from django.db import DatabaseError, connection

        pool = GaugeMetricFamily("rangebook_db_pool_connections",
                                 "PostgreSQL sessions of this process's pool.",
                                 labels=["state"])
        stats = connection.pool.get_stats() if getattr(connection, "pool", None) else {}
        for state, key in (("size", "pool_size"), ("available", "pool_available"),
                           ("waiting", "requests_waiting")):
            pool.add_metric([state], stats.get(key, 0))
        yield pool
        jobs = GaugeMetricFamily("rangebook_jobs", "Task queue jobs.",
                                 labels=["queue", "status"])
        deliveries = GaugeMetricFamily("rangebook_webhook_deliveries",
                                       "Webhook deliveries by status.", labels=["status"])
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT queue_name, status::text, count(*)"
                               " FROM procrastinate_jobs GROUP BY 1, 2 ORDER BY 1, 2")
                for queue, status, count in cursor.fetchall():
                    jobs.add_metric([queue, status], count)
                cursor.execute("SELECT status, count(*) FROM webhooks_delivery"
                               " GROUP BY 1 ORDER BY 1")
                for status, count in cursor.fetchall():
                    deliveries.add_metric([status], count)
        except DatabaseError:
            yield GaugeMetricFamily("rangebook_database_up", "The database answered.", value=0)
            return
        yield GaugeMetricFamily("rangebook_database_up", "The database answered.", value=1)
        yield jobs
        yield deliveries


_database_collector = DatabaseCollector()


def registry() -> CollectorRegistry:
    """What /metrics exposes: this process's metrics, or all processes' in multiprocess
    mode, and the database gauges."""
    from prometheus_client import REGISTRY, multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        collected = CollectorRegistry()
        multiprocess.MultiProcessCollector(collected)
        collected.register(_database_collector)
        return collected
    if _database_collector not in REGISTRY._collector_to_names:
        REGISTRY.register(_database_collector)
    return REGISTRY
