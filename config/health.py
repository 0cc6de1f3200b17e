"""Endpoints for operators, answered before Django's middleware (so a probe's Host header,
an IP address, is not refused by ALLOWED_HOSTS):

    GET /healthz   200 while the process serves (no database)
    GET /readyz    200 when the database answers, every migration is applied and a task
                   worker has been seen in the last WORKER_SEEN seconds; else 503, saying why
    GET /metrics   Prometheus metrics (config/observe.py); with RANGEBOOK_METRICS_TOKEN set,
                   only for `Authorization: Bearer <that token>`
"""

import hmac
import json

from django.conf import settings
from django.db import DatabaseError, connection
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from config.observe import registry
from config.threads import database_sync_to_async

WORKER_SEEN = 30  # seconds: three missed heartbeats of procrastinate's worker (every 10 s)
_migrated = False  # once all are applied they stay applied for this process


async def healthz(scope, receive, send) -> None:
    await _send(send, 200, json.dumps({"status": "ok"}).encode(), "application/json")


async def readyz(scope, receive, send) -> None:
    checks = await database_sync_to_async(_readiness)()
    ready = all(value == "ok" for value in checks.values())
    body = json.dumps({"status": "ready" if ready else "unready", "checks": checks}).encode()
    await _send(send, 200 if ready else 503, body, "application/json")


async def metrics(scope, receive, send) -> None:
    token = getattr(settings, "RANGEBOOK_METRICS_TOKEN", "")
    offered = dict(scope.get("headers") or []).get(b"authorization", b"").decode("latin-1")
    if token and not hmac.compare_digest(offered, f"Bearer {token}"):
        return await _send(send, 401, b'{"status":"unauthorized"}', "application/json")
    body = await database_sync_to_async(_metrics_text)()
    await _send(send, 200, body, CONTENT_TYPE_LATEST)


ROUTES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}


def _readiness() -> dict[str, str]:
    try:
        return {"database": _database(), "migrations": _migrations(), "worker": _worker()}
    except DatabaseError as exc:
        return {"database": f"unreachable: {type(exc).__name__}", "migrations": "unknown",
                "worker": "unknown"}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _migrations() -> str:
    global _migrated
    if not _migrated:
        from django.db.migrations.executor import MigrationExecutor

        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            return f"{len(plan)} migration(s) not applied: manage.py migrate"
        _migrated = True
    return "ok"


def _worker() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM procrastinate_workers"
                       " WHERE last_heartbeat > now() - make_interval(secs => %s)", [WORKER_SEEN])
        (workers,) = cursor.fetchone()
    return "ok" if workers else f"no task worker seen in {WORKER_SEEN} s"


def _metrics_text() -> bytes:
    # registry() too: registering the database collector runs it once.
    return generate_latest(registry())


async def _send(send, status: int, body: bytes, content_type: str) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
