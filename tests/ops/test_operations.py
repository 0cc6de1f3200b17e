"""What an operator relies on, against the real server: health and readiness probes,
Prometheus metrics, a request id on the answer and on every log line, JSON logs."""

import json
import logging
import re
import time
import urllib.error
import urllib.request

import pytest

from config import observe
from config.logs import JSONFormatter, RequestIdFilter
from tests.abuse.ws import GraphQLSocket
from tests.servers import serving

pytestmark = pytest.mark.django_db(transaction=True)


def get(server, path: str, headers: dict | None = None) -> tuple[int, object, bytes]:
    url = server.url.removesuffix("/graphql") + path
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read()


def post(server, query: str, headers: dict | None = None) -> tuple[dict, dict]:
    request = urllib.request.Request(server.url, json.dumps({"query": query}).encode(),
                                     {"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response), dict(response.headers)


def metric(server, line_start: str) -> float:
    _, _, body = get(server, "/metrics")
    values = [float(line.rsplit(" ", 1)[1]) for line in body.decode().splitlines()
              if line.startswith(line_start)]
    return sum(values)


def test_healthz_answers_any_host_without_the_database(asgi_server):
    status, headers, body = get(asgi_server, "/healthz", {"Host": "10.1.2.3:8000"})

    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["cache-control"] == "no-store"


def test_readyz_is_unready_without_a_task_worker(asgi_server):
    status, _, body = get(asgi_server, "/readyz", {"Host": "10.1.2.3:8000"})

    assert status == 503
    assert json.loads(body) == {"status": "unready", "checks": {
        "database": "ok", "migrations": "ok", "worker": "no task worker seen in 30 s"}}


def test_readyz_is_ready_with_database_migrations_and_worker(asgi_server, task_worker):
    status, _, body = get(asgi_server, "/readyz")

    assert (status, json.loads(body)) == (200, {"status": "ready", "checks": {
        "database": "ok", "migrations": "ok", "worker": "ok"}})


def test_operations_are_counted_timed_and_their_error_codes_counted(asgi_server):
    before = metric(asgi_server, 'rangebook_operations_total{operation="OpsProbe",type="query"}')
    denied = metric(asgi_server, 'rangebook_errors_total{code="permission_denied"}')

    post(asgi_server, "query OpsProbe { __typename }")
    post(asgi_server, "query OpsProbe { __typename }")
    post(asgi_server, "{ myBookings { edges { node { reference } } } }")

    assert metric(asgi_server, 'rangebook_operations_total{operation="OpsProbe",type="query"}'
                  ) == before + 2
    assert metric(asgi_server, 'rangebook_operation_seconds_count{operation="OpsProbe",'
                  'type="query"}') == before + 2
    assert metric(asgi_server, 'rangebook_errors_total{code="permission_denied"}') == denied + 1


def test_http_errors_are_counted_by_code(asgi_server):
    before = metric(asgi_server, 'rangebook_errors_total{code="invalid_json"}')
    request = urllib.request.Request(asgi_server.url, b"[" * 10_000,
                                     {"Content-Type": "application/json"})

    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(request, timeout=10)

    assert metric(asgi_server, 'rangebook_errors_total{code="invalid_json"}') == before + 1


def test_metrics_include_pool_queue_and_open_websockets(asgi_server):
    before = metric(asgi_server, "rangebook_open_websockets")
    socket = GraphQLSocket(asgi_server.ws_url)
    try:
        during = metric(asgi_server, "rangebook_open_websockets")
    finally:
        socket.close()
    time.sleep(0.5)
    _, _, body = get(asgi_server, "/metrics")
    text = body.decode()

    assert during == before + 1
    assert metric(asgi_server, "rangebook_open_websockets") == before
    assert re.search(r'^rangebook_db_pool_connections\{state="size"\} \d', text, re.M)
    assert "rangebook_database_up 1.0" in text
    assert "# TYPE rangebook_jobs gauge" in text
    assert "_created" not in text


def test_request_id_is_echoed_or_made(asgi_server):
    _, given = post(asgi_server, "{ __typename }", {"X-Request-ID": "trace-42.a"})
    _, made = post(asgi_server, "{ __typename }", {"X-Request-ID": "bad id\twith space"})

    assert given["x-request-id"] == "trace-42.a"
    assert re.fullmatch(r"[0-9a-f]{32}", made["x-request-id"])


def test_operation_log_line_is_json_with_the_request_id(asgi_server):
    post(asgi_server, "query LoggedProbe { __typename }", {"X-Request-ID": "log-probe-7"})
    time.sleep(0.3)

    lines = [json.loads(line) for line in asgi_server.log.read_text().splitlines()
             if line.startswith("{") and "log-probe-7" in line]
    (line,) = lines
    assert line["request_id"] == "log-probe-7"
    assert (line["logger"], line["message"], line["operation"], line["type"],
            line["error_codes"]) == ("rangebook.operations", "operation", "LoggedProbe",
                                     "query", [])
    assert line["duration_ms"] >= 0


def test_admin_answers_carry_a_request_id(asgi_server):
    status, headers, _ = get(asgi_server, "/admin/login/", {"X-Request-ID": "admin-1"})

    assert (status, headers["X-Request-ID"]) == (200, "admin-1")


def test_metrics_need_the_token_when_one_is_set(tmp_path):
    with serving(tmp_path / "server.log", env={"RANGEBOOK_METRICS_TOKEN": "s3cret"}) as server:
        refused, _, _ = get(server, "/metrics")
        wrong, _, _ = get(server, "/metrics", {"Authorization": "Bearer nope"})
        allowed, _, body = get(server, "/metrics", {"Authorization": "Bearer s3cret"})

    assert (refused, wrong, allowed) == (401, 401, 200)
    assert b"rangebook_database_up" in body


def test_operation_names_beyond_the_cap_count_as_other(monkeypatch):
    monkeypatch.setattr(observe, "_names", set())

    labels = [observe.operation_label(f"Op{n}") for n in range(observe.MAX_OPERATION_NAMES + 5)]

    assert labels[:observe.MAX_OPERATION_NAMES] == [
        f"Op{n}" for n in range(observe.MAX_OPERATION_NAMES)]
    assert labels[observe.MAX_OPERATION_NAMES:] == ["other"] * 5
    assert observe.operation_label("Op3") == "Op3"
    assert observe.operation_label(None) == "anonymous"


def test_json_formatter_keeps_extra_fields_and_the_request_id():
    token = observe.REQUEST_ID.set("rid-1")
    try:
        record = logging.LogRecord("booking", logging.WARNING, __file__, 1, "held %s", ("x",),
                                   None)
        record.reference = "RB-1"
        RequestIdFilter().filter(record)
        line = json.loads(JSONFormatter().format(record))
    finally:
        observe.REQUEST_ID.reset(token)

    assert {key: line[key] for key in ("level", "logger", "message", "reference",
                                       "request_id")} == {
        "level": "warning", "logger": "booking", "message": "held x", "reference": "RB-1",
        "request_id": "rid-1"}
