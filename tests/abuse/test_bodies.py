"""Bodies built to break the endpoint: nested past Python's recursion, larger than any
request, and anything hypothesis makes of them. Every answer is JSON: data, or errors with
a code; never a 500, a traceback or Django's debug page. The demo serves with DEBUG off,
and the production settings pass `check --deploy`."""

import http.client
import json
import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.abuse.conftest import Probe, at_once, send
from tests.live.asgi import request
from tests.servers import serving

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_server(django_db_setup, tmp_path_factory):
    """The server as `make demo` runs it (config.settings.dev, DJANGO_DEBUG unset)."""
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.dev", "DJANGO_DEBUG": ""}
    with serving(tmp_path_factory.mktemp("demo") / "uvicorn.log", env=env) as server:
        yield server


def test_bodies_nested_past_the_recursion_limit_are_coded_400s(demo_server):
    # DEBUG was on by default: a RecursionError traceback with the settings, then a 500.
    with Probe(demo_server.url) as served:
        answers = at_once(demo_server.url, [b"[" * 100_000] * 20)

    assert {(a.status, a.body) for a in answers} == {(400, json.dumps({"errors": [{
        "message": "The request body is nested too deeply.",
        "extensions": {"code": "invalid_json"}}]}).encode())}
    assert max(a.seconds for a in answers) < 5.0
    served.assert_served()


def test_the_demo_serves_no_debug_pages(demo_server):
    base = urlparse(demo_server.url)
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
    connection.request("GET", "/admin/no-such-page/")
    page = connection.getresponse().read()

    assert b"URLconf" not in page and b"Traceback" not in page and b"DEBUG" not in page


def test_variables_nested_deeper_than_any_input_are_refused(demo_server):
    nested = {}
    for _ in range(900):  # JSON decodes it; graphql-core would recurse on it
        nested = {"AND": nested}

    answer = send(demo_server.url, {"query": "query ($f: ResourceFilter) { resources("
                                             "filters: $f) { name } }",
                                    "variables": {"f": nested}})

    assert (answer.status, answer.codes) == (200, ["input_too_deep"])


@pytest.mark.parametrize("chunked", [False, True], ids=["with length", "chunked"])
def test_a_body_larger_than_any_request_is_a_413(asgi_server, chunked):
    url = urlparse(asgi_server.url)
    body = b'{"query": "{ __typename }", "variables": {"x": "' + b"x" * 300_000 + b'"}}'
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    if chunked:
        connection.request("POST", "/graphql", body=iter([body[:1000], body[1000:]]),
                           headers={"Content-Type": "application/json"},
                           encode_chunked=True)
    else:
        connection.request("POST", "/graphql", body=body,
                           headers={"Content-Type": "application/json"})
    response = connection.getresponse()

    assert response.status == 413
    assert json.loads(response.read())["errors"][0]["extensions"] == {"code": "body_too_large"}


def _nested(depth: int, opening: str, closing: str, inner: str = "") -> str:
    return opening * depth + inner + closing * depth


deep_json = st.builds(lambda depth, kind: _nested(depth, *kind).encode(),
                      st.integers(1, 200_000),
                      st.sampled_from([("[", "]"), ('{"a":', "}", "1"), ("[", "")]))
deep_documents = st.builds(
    lambda depth, kind: json.dumps({"query": _nested(depth, *kind)}).encode(),
    st.integers(1, 3_000),
    st.sampled_from([("{ a ", "}"), ("{ resources(filters: {name: {inList: ", "}}) { name } }",
                                     '"x"'), ("{ ... { ", "}", "__typename "),
                     ("[", "]")]))
deep_variables = st.builds(
    lambda depth: json.dumps({"query": "query ($v: ResourceFilter) { resources(filters: $v)"
                                       " { name } }"}).encode()[:-1]
    + b', "variables": {"v": ' + _nested(depth, '{"OR":', "}", "{}").encode() + b"}}",
    st.integers(1, 5_000))


@settings(max_examples=120, deadline=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=st.one_of(deep_json, deep_documents, deep_variables, st.binary(max_size=300)))
def test_any_nested_body_gets_json_with_codes_never_a_500(db, body):
    status, headers, content, _ = request(body, headers={"Content-Type": "application/json"})

    assert status in (200, 400, 413), (status, content[:300])
    assert headers["content-type"] == "application/json"
    answer = json.loads(content)
    for error in answer.get("errors", []):
        assert error["extensions"]["code"] not in (None, "internal_error"), error
    assert b"Traceback" not in content and b'File "' not in content


def test_the_production_settings_pass_the_deployment_checks():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
           "DJANGO_ALLOWED_HOSTS": "book.example.com"}

    checked = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True)

    assert (checked.returncode, checked.stdout.strip()) == (
        0, "System check identified no issues (0 silenced).")


def test_the_production_settings_refuse_the_development_secret():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production",
           "DJANGO_SECRET_KEY": "", "DJANGO_ALLOWED_HOSTS": "book.example.com"}

    checked = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                             capture_output=True, text=True)

    assert checked.returncode == 1
    assert "Set DJANGO_SECRET_KEY to 50 or more random characters" in checked.stderr


def test_with_https_required_the_api_refuses_plain_http(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    body, json_type = b'{"query": "{ __typename }"}', {"Content-Type": "application/json"}

    plain = request(body, headers=json_type)
    proxied = request(body, headers={**json_type, "X-Forwarded-Proto": "https"})

    assert (plain[0], json.loads(plain[2])) == (403, {"errors": [{
        "message": "Use HTTPS.", "extensions": {"code": "https_required"}}]})
    assert (proxied[0], json.loads(proxied[2])) == (200, {"data": {"__typename": "Query"}})
