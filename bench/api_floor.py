"""Where a request's time goes, in process: the parts of the API against the bare SQL.

    .venv/bin/python -m bench.api_floor [--database-name rangebook_bench] [--requests 2000]

For the two ORM-built reads of bench/api.py (resource by id; 20 resources with venue and
amenities: same documents and variables), one after another in one process, each timed over
the same rotating bodies after a warm-up:

- `SQL`: the statements the API sends, as text, through the same psycopg connection;
- `ORM`: resource by id's optimized QuerySet alone, built and run by the ORM;
- `GraphQL, no SQL`: strawberry and graphql-core executing the document while the root
  field hands back rows already loaded (no statement, no ORM);
- `handler`: POST /graphql as served (schema.views.GraphQLHTTPHandler.serve: the request,
  authentication, every resolver and statement, the JSON), without the HTTP server.

The baseline of bench/api.py spends about the `SQL` column plus its own JSON per request,
so the API's 2x target is met only when `handler` is at most about twice `SQL`.
"""

import argparse
import io
import json
import os
import random
import time

from bench.api import bench_database_url

ORM_READS = ("Resource", "Resources")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-name", default="rangebook_bench")
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = bench_database_url(args.database_name)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    from config import asgi  # noqa: F401  (sets Django up: the server's own settings)

    print("| operation | SQL µs | ORM µs | GraphQL, no SQL µs | handler µs | handler ÷ SQL |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in measure(args.requests):
        print("| " + " | ".join(row) + " |")


def measure(requests: int):
    from bench.api_operations import OPERATIONS

    for op in (o for o in OPERATIONS if o.name in ORM_READS):
        variables = op.variables(random.Random(1), 64)
        sql_us = _timed(_sql(op, variables), requests)
        orm_us = _timed(_orm(variables), requests) if op.name == "Resource" else None
        graphql_us = _timed(_without_sql(op, variables), requests)
        handler_us = _timed(_handler(op, variables), requests)
        yield [op.label, f"{sql_us:,.0f}", f"{orm_us:,.0f}" if orm_us else "–",
               f"{graphql_us:,.0f}", f"{handler_us:,.0f}", f"{handler_us / sql_us:.1f}×"]


def _sql(op, variables):
    """The statements the API sent for each body, replayed as text."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statements = []
    for v in variables:
        connection.ensure_connection()
        with CaptureQueriesContext(connection) as captured:
            _execute(op, v)
        statements.append([q["sql"] for q in captured.captured_queries])
    connection.ensure_connection()
    cursor = connection.cursor()

    def run(i):
        for statement in statements[i % len(statements)]:
            cursor.execute(statement)
            cursor.fetchall()

    return run


def _handler(op, variables):
    from config import asgi
    from schema.guard import StatementGuard

    bodies = [json.dumps({"query": op.document, "variables": v}).encode() for v in variables]
    scope = {"type": "http", "method": "POST", "path": "/graphql", "root_path": "",
             "query_string": b"", "scheme": "http", "http_version": "1.1",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json")],
             "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000)}

    def run(i):
        response = asgi.graphql_http.serve(scope, io.BytesIO(bodies[i % len(bodies)]),
                                           StatementGuard())
        assert response.status_code == 200 and b'"errors"' not in response.content

    return run


def _execute(op, variables):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from schema import schema
    from schema.context import Context

    context = Context(request=RequestFactory().post("/graphql"), response=None)
    context._user = AnonymousUser()
    result = schema.execute_sync(op.document, variable_values=variables, context_value=context)
    assert result.errors is None, result.errors
    return result


def _orm(variables):
    """The statement resource(id) runs, built and run by the ORM as its resolver does."""
    from strawberry.relay import from_base64

    from booking.models import Resource

    ids = [int(from_base64(v["id"])[1]) for v in variables]

    def run(i):
        (Resource.objects.active().filter(pk=ids[i % len(ids)]).select_related("venue")
         .only("id", "name", "slug", "capacity", "venue__id", "venue__name",
               "venue__timezone").first())

    return run


def _without_sql(op, variables):
    """The document executed while every root field returns what it returned before."""
    from schema import schema

    root_fields = executing_schema(schema).query_type.fields
    answers = {}
    for i, v in enumerate(variables):
        captured = {}
        originals = {name: field.resolve for name, field in root_fields.items()}
        try:
            for name, field in root_fields.items():
                field.resolve = _recording(originals[name], captured, name)
            _execute(op, v)
        finally:
            for name, field in root_fields.items():
                field.resolve = originals[name]
        answers[i] = captured

    def run(i):
        captured = answers[i % len(variables)]
        originals = {name: root_fields[name].resolve for name in captured}
        try:
            for name, value in captured.items():
                root_fields[name].resolve = lambda root, info, _value=value, **kw: _value
            _execute(op, variables[i % len(variables)])
        finally:
            for name, resolve in originals.items():
                root_fields[name].resolve = resolve

    return run


def executing_schema(schema):
    """The graphql-core schema strawberry executes `schema`'s operations against (its own
    is private), from a resolver's `info.schema`: graphql-core's public GraphQLResolveInfo,
    seen by an extension added for one `{ __typename }`."""
    from strawberry.extensions import SchemaExtension

    seen = []

    class Seen(SchemaExtension):
        def resolve(self, _next, root, info, *args, **kwargs):
            seen.append(info.schema)
            return _next(root, info, *args, **kwargs)

    extensions = schema.extensions
    schema.extensions = (*extensions, Seen)
    try:
        schema.execute_sync("{ __typename }")
    finally:
        schema.extensions = extensions
    return seen[0]


def _recording(resolve, captured, name):
    def run(root, info, **kwargs):
        value = resolve(root, info, **kwargs)
        if isinstance(value, list):
            value = list(value)
        captured[name] = value
        return value

    return run


def _timed(fn, requests: int) -> float:
    for i in range(min(200, requests)):
        fn(i)
    started = time.perf_counter()
    for i in range(requests):
        fn(i)
    return (time.perf_counter() - started) / requests * 1e6


if __name__ == "__main__":
    main()
