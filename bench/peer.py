"""Our GraphQL API against PostGraphile v4 on the same database, side by side (issue 12).

    make bench-peer                 # npm ci in bench/peer/ first; needs node, npm and wrk
    .venv/bin/python -m bench.peer [--database-name rangebook_bench] [--rounds 3] ...

Starts, on 127.0.0.1, our API as bench/api.py does (uvicorn, `--workers`, uvloop,
httptools, no access or operation log, DJANGO_DEBUG=0) and PostGraphile 4 with
postgraphile-plugin-connection-filter (bench/peer/package.json, its lock committed):
`--cluster-workers` the same number of processes (one process, no cluster, for 1), the
same pool size per process, no query log, no GraphiQL, NODE_ENV=production, sessions with
jit off as ours. Both read the bench database (bench/prepare.sh: 10k resources, 1M
bookings).

Before timing, it sends every body of each operation (bench/peer_operations.py) to both and
compares the answers in one plain shape (ids, ranges, instants and names normalised); an
operation whose answers differ, or that errs, is not measured. Then per operation and
round, both sides in turn (which goes first alternates): wrk (bench/graphql.lua, as
bench/api.py runs it) for a warm-up, then a measured run; before the first round, each
side gets a longer warm-up (PostGraphile's first seconds run cold: Node's JIT). Prints a
Markdown table of the median round of each side (by requests per second), every round's
figures and the load average. `--check` only compares the answers; `--peer-anonymous`
sends (c) to PostGraphile without a JWT (a single statement, no transaction), to see what
signing in costs it.

Who asks: (a) and (b) anonymously on both sides; (c) as staff on both: ours with a bearer
API token of a staff user (looked up per request), PostGraphile with a JWT signed with its
`--jwt-secret` whose `role` is the database user it connects as, so that, as for any
signed-in request, it opens a transaction and sets the role and claims before the query.
No row-level security policy is defined: PostGraphile's role reads every row, and no
access rule runs on its side, where ours applies its staff rule.
"""

import argparse
import base64
import contextlib
import hashlib
import hmac
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

from bench import api
from config.loopback import HOST, ServerDidNotStart, free_port, graphql_server

ROOT = Path(__file__).resolve().parent.parent
PEER = ROOT / "bench" / "peer"
BENCH_USER = "bench-peer"
VARIANTS = 64
# What our server runs (for the note saying which code was measured).
CODE = ("accounts", "booking", "config", "schema", "search", "sql", "webhooks", "pyproject.toml")


@contextlib.contextmanager
def postgraphile(database_url: str, *, workers: int, pool_size: int, jwt_secret: str):
    """PostGraphile on a free loopback port; yields its /graphql URL."""
    cli = PEER / "node_modules" / ".bin" / "postgraphile"
    if not cli.exists():
        sys.exit(f"{cli} is missing: run `npm ci --prefix {PEER.relative_to(ROOT)}` "
                 "(make bench-peer does)")
    port = free_port()
    command = [str(cli), "--connection", database_url, "--schema", "public",
               "--host", HOST, "--port", str(port),
               "--append-plugins", "postgraphile-plugin-connection-filter",
               "--max-pool-size", str(pool_size), "--no-setof-functions-contain-nulls",
               "--legacy-relations", "omit", "--disable-graphiql", "--disable-query-log",
               "--jwt-secret", jwt_secret]
    if workers > 1:
        command += ["--cluster-workers", str(workers)]
    env = {"NODE_ENV": "production", "PGOPTIONS": "-c jit=off"}
    try:
        with graphql_server(command, port=port, env=env, cwd=PEER):
            yield f"http://{HOST}:{port}/graphql"
    except ServerDidNotStart as exc:
        sys.exit(f"PostGraphile: {exc}")


def peer_versions() -> str:
    def version(package: str) -> str:
        manifest = PEER / "node_modules" / package / "package.json"
        return json.loads(manifest.read_text())["version"]

    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return (f"postgraphile {version('postgraphile')}, postgraphile-plugin-connection-filter "
            f"{version('postgraphile-plugin-connection-filter')}, Node {node}")


# --- the same answers --------------------------------------------------------------------


def post(url: str, body: dict, token: str | None = None) -> dict:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def body(op, side: str, variables: dict) -> dict:
    return {"operationName": op.name, "query": op.ours if side == "ours" else op.peer,
            "variables": variables}


def compare(op, pairs: list[tuple[dict, dict]], servers: dict) -> tuple[list[str], int]:
    """Problems found (none: the same rows) and how many rows the bodies answer in all;
    `servers`: {side: (url, staff token)}."""
    problems, rows = [], 0
    for ours_vars, peer_vars in pairs:
        answers = {side: post(url, body(op, side, values), token if op.staff else None)
                   for (side, (url, token)), values in zip(servers.items(),
                                                           (ours_vars, peer_vars), strict=True)}
        errors = {side: answer["errors"] for side, answer in answers.items()
                  if answer.get("errors") or not answer.get("data")}
        if errors:
            problems.append(f"{ours_vars}: errors {json.dumps(errors)[:800]}")
            continue
        ours = op.ours_rows(answers["ours"]["data"])
        peer = op.peer_rows(answers["PostGraphile"]["data"])
        if ours != peer:
            problems.append(f"{ours_vars}: ours {ours!r:.600}\nPostGraphile {peer!r:.600}")
        rows += len(ours) if isinstance(ours, list) else int(ours is not None)
    return problems, rows


# --- load --------------------------------------------------------------------------------


def jwt(secret: str, claims: dict) -> str:
    """An HS256 JSON Web Token (RFC 7519), as PostGraphile's --jwt-secret verifies it."""
    def part(data: dict | bytes) -> str:
        raw = data if isinstance(data, bytes) else json.dumps(data).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    signed = part({"alg": "HS256", "typ": "JWT"}) + "." + part(claims)
    return signed + "." + part(hmac.new(secret.encode(), signed.encode(), hashlib.sha256).digest())


def write_bodies(directory: Path, op, side: str, variables: list[dict]) -> Path:
    path = directory / f"{op.name}-{side}.jsonl"
    path.write_text("".join(json.dumps(body(op, side, values)) + "\n" for values in variables))
    return path


def measure(args, op, sides: dict, *, flip: int) -> dict:
    """Every round of each side ({side: (url, bodies, staff token)}): {side: [Run, ...]};
    which side goes first alternates from round to round (and by `flip`)."""
    runs = {side: [] for side in sides}
    for url, bodies, token in sides.values():  # Node's JIT and both sides' caches warm up
        api.load(url, bodies, seconds=args.first_warmup, connections=args.connections,
                 threads=args.threads, token=token if op.staff else None)
    for round_index in range(args.rounds):
        order = list(sides)[::-1 if (round_index + flip) % 2 else 1]
        for side in order:
            url, bodies, token = sides[side]
            bearer = token if op.staff else None
            for seconds in (args.warmup, args.duration):
                run = api.load(url, bodies, seconds=seconds, connections=args.connections,
                               threads=args.threads, token=bearer)
            runs[side].append(run)
        print(f"{op.label}, round {round_index + 1}: " + ", ".join(
            f"{side} {runs[side][-1].requests_per_s:,.0f}/s" for side in sides)
            + f"; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    return runs


# --- the table ---------------------------------------------------------------------------


def table(rows: list[tuple], notes: list[str]) -> str:
    lines = ["| query | ours req/s | ours p50 / p99 ms | PostGraphile req/s "
             "| PostGraphile p50 / p99 ms | ours ÷ PostGraphile req/s | every round (req/s) |",
             "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for label, runs, note in rows:
        if runs is None:
            lines.append(f"| {label} | – | – | – | – | – | {note} |")
            continue
        ours, peer = api.median_run(runs["ours"]), api.median_run(runs["PostGraphile"])
        every = "; ".join(f"{side} " + " / ".join(f"{run.requests_per_s:,.0f}" for run in side_runs)
                          for side, side_runs in runs.items())
        # Each round's two runs are next to each other in time: their ratio is the least
        # moved by the load of a shared machine drifting.
        ratios = [ours_run.requests_per_s / peer_run.requests_per_s
                  for ours_run, peer_run in zip(runs["ours"], runs["PostGraphile"], strict=True)]
        every += "; ratio by round " + " / ".join(f"{ratio:.2f}" for ratio in ratios)
        failed = sum(run.failed for side_runs in runs.values() for run in side_runs)
        lines.append(
            f"| {label} | {ours.requests_per_s:,.0f} | {ours.p50_ms:.2f} / {ours.p99_ms:.2f} "
            f"| {peer.requests_per_s:,.0f} | {peer.p50_ms:.2f} / {peer.p99_ms:.2f} "
            f"| {ours.requests_per_s / peer.requests_per_s:.2f}× | {every}"
            + (f"; {failed} failed requests" if failed else "") + f"{note} |")
    return "\n".join(lines + [""] + notes)


# --- main --------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-name", default="rangebook_bench")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per run")
    parser.add_argument("--first-warmup", type=float, default=10,
                        help="seconds of warm-up of each side before an operation's rounds")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2,
                        help="processes of each server (uvicorn workers, Node cluster workers)")
    parser.add_argument("--pool-size", type=int, default=20,
                        help="PostgreSQL sessions per process, each side")
    parser.add_argument("--rounds", type=int, default=3, help="runs per side; median reported")
    parser.add_argument("--only", nargs="*", help="operationNames to run (default: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer-anonymous", action="store_true",
                        help="send (c) to PostGraphile without a JWT (ours stays signed in)")
    parser.add_argument("--check", action="store_true",
                        help="only compare the answers (no load)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None and not args.check:
        sys.exit("wrk not found (Debian: apt-get install -y wrk)")
    os.environ["DATABASE_URL"] = api.bench_database_url(args.database_name)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django  # noqa: PLC0415 - settings need the bench database first

    django.setup()
    run(args)


def run(args) -> None:
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from accounts.models import ApiToken, api_token_create  # noqa: PLC0415
    from bench.peer_operations import OPERATIONS  # noqa: PLC0415

    user, _ = get_user_model().objects.update_or_create(username=BENCH_USER,
                                                        defaults={"is_staff": True})
    token_row, token = api_token_create(user=user, name="bench/peer.py")
    jwt_secret = secrets.token_urlsafe(32)
    peer_token = jwt(jwt_secret, {"role": urlparse(os.environ["DATABASE_URL"]).username,
                                  "aud": "postgraphile", "exp": int(time.time()) + 86400})
    operations = [op for op in OPERATIONS if not args.only or op.name in args.only]
    # One generator per operation: --only picks the same bodies as a full run.
    variables = {op.name: op.variables(random.Random(f"{args.seed}-{op.name}"), VARIANTS)
                 for op in operations}
    load_before = os.getloadavg()
    rows = []
    try:
        with api.server("config.asgi:application",
                        {"DJANGO_DEBUG": "0", "RANGEBOOK_DB_POOL": str(args.pool_size),
                         "RANGEBOOK_LOG_OPERATIONS": "WARNING"},
                        args.workers) as ours_url, \
                postgraphile(os.environ["DATABASE_URL"], workers=args.workers,
                             pool_size=args.pool_size, jwt_secret=jwt_secret) as peer_url, \
                tempfile.TemporaryDirectory(prefix="bench-peer-") as directory:
            for index, op in enumerate(operations):
                pairs = variables[op.name]
                servers = {"ours": (ours_url, token),
                           "PostGraphile": (peer_url, None if args.peer_anonymous else peer_token)}
                problems, count = compare(op, pairs, servers)
                if problems:
                    print(f"{op.label}: the answers differ, not measured:\n"
                          + "\n".join(problems[:5]), file=sys.stderr)
                    rows.append((op.label, None, f"not measured: {len(problems)} of "
                                 f"{len(pairs)} bodies answer differently (see stderr)"))
                    continue
                print(f"{op.label}: the same {count} rows from both for {len(pairs)} bodies",
                      file=sys.stderr)
                if args.check:
                    continue
                sides = {side: (url, write_bodies(Path(directory), op, side,
                                                  [pair[i] for pair in pairs]), bearer)
                         for i, (side, (url, bearer)) in enumerate(servers.items())}
                rows.append((op.label, measure(args, op, sides, flip=index),
                             f"; {count} rows over {len(pairs)} bodies, checked equal"))
    finally:
        ApiToken.objects.filter(pk=token_row.pk).update(revoked_at=timezone.now())
    if args.check:
        sys.exit(1 if any(runs is None for _, runs, _ in rows) else 0)
    print(table(rows, notes(args, load_before, os.getloadavg())))


def measured_code() -> str:
    """The commit our server ran, and the files of it changed in the working tree."""
    def git(*arguments: str) -> str:
        return subprocess.run(["git", *arguments], cwd=ROOT, capture_output=True,
                              text=True).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown (no git)"
    changed = [line[3:] for line in git("status", "--porcelain", "--untracked-files=all",
                                        "--", *CODE).splitlines()]
    return f"Ours ran commit {commit}" + (
        f" with uncommitted changes to {', '.join(changed)}" if changed else
        ", no uncommitted changes to its code") + "."


def notes(args, load_before, load_after) -> list[str]:
    return [
        measured_code(),
        f"{os.cpu_count()} CPUs, shared. Ours: uvicorn, {args.workers} worker(s), uvloop, "
        f"httptools, no access or operation log, {args.pool_size} PostgreSQL sessions per worker. "
        f"PostGraphile ({peer_versions()}): "
        + (f"Node cluster of {args.workers} workers" if args.workers > 1 else "one process")
        + f", --max-pool-size {args.pool_size}, no query log, no GraphiQL. Both on "
        f"`{args.database_name}`, jit off. wrk: {args.threads} threads, {args.connections} "
        f"connections; per operation {args.first_warmup:g} s warm-up of each side, then "
        f"per run {args.warmup:g} s warm-up and {args.duration:g} s measured, "
        f"{args.rounds} round(s) per side, sides alternating; the round with the median "
        f"req/s is shown with its own latencies. Load average (1 min) {load_before[0]:.2f} "
        f"before, {load_after[0]:.2f} after (the servers, wrk and PostgreSQL count in it "
        "while they run).",
        "(a) ours `resource(id:)` (active resources only) vs `bookingResourceById`. "
        "(b) ours `resources(limit: 20, offset, ordering: [{slug: ASC}])` vs "
        "`allBookingResources(first: 20, offset, condition: {isActive: true}, orderBy: "
        "[SLUG_ASC, ID_ASC])`, offsets 0 to 980 (slug is indexed, so neither sorts the "
        "catalogue), amenities through the link table (PostGraphile cannot order them by "
        "name: compared as sets, ours sorts them by name). (c) ours `bookings(filters: "
        "{resource: {venue: {slug}, slug}, period: {overlaps: week}}, first: 20)` (default "
        "order: period descending, id) as a staff user with a bearer API token vs "
        "`allBookingBookings(first: 20, orderBy: [PERIOD_DESC, ID_ASC], filter: {resourceId: "
        "{equalTo}, period: {overlaps: week}})` "
        + ("without a JWT (--peer-anonymous: one statement, no transaction)"
           if args.peer_anonymous else "with a JWT (`role`: the database user; PostGraphile "
           "then runs begin, set_config of role and claims, the query, commit)")
        + ": "
        "ours has no filter by resource id, so it names the resource by its venue's slug and "
        "its slug (a join more).",
        "No row-level security is defined: PostGraphile's role reads every row and no access "
        "rule runs on its side, while ours applies its staff rule. (a) and (b) are anonymous "
        "on both sides.",
    ]


if __name__ == "__main__":
    main()
