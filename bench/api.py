"""API benchmark: the GraphQL API over HTTP against the same SQL through psycopg's pool.

    bench/prepare.sh                # once: rangebook_bench, 10k resources, 1M bookings
    .venv/bin/python -m bench.api [--database-name rangebook_bench] [--duration 10] ...

Starts two uvicorn servers on 127.0.0.1 with the same options (workers, uvloop, httptools,
no access log, output to a file): the API (`config.asgi:application`, DJANGO_DEBUG=0, its
log line per operation off unless --operation-log, as bench/peer.py runs it) and the baseline
(bench/baseline.py: the statements the API runs, through psycopg_pool's async pool, and the
same JSON). Before loading them it proves for one body of each operation that both send the
same statements and answer the same JSON (bench/api_check.py). Then, per operation, API and
baseline in turn (which goes first alternates): wrk with bench/graphql.lua, fixed
connections, a warm-up run, then a measured run. Prints a Markdown table: requests/s, p50
and p99 of each, the ratios, and the load average. Needs wrk (Debian: apt-get install wrk).

Operations (bench/api_operations.py): resource by id; 20 resources with venue and
amenities; availability of 10 resources over one local day; search top 20 (the baseline
replays the statements the API sent for each text, captured first: search/ builds them from
its parser and vocabulary); `book`, where every request books its own free slot as a user
of its own, `bench-api`, whose bookings are cancelled at the end (the table says how many
requests booked). `--check` only proves the baseline against the API; `--workers`,
`--rounds`, `--only` and the load settings are in --help.
"""

import argparse
import contextlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from config.loopback import HOST, ServerDidNotStart, uvicorn_server

ROOT = Path(__file__).resolve().parent.parent
LUA = ROOT / "bench" / "graphql.lua"
BENCH_USER = "bench-api"


@dataclass
class Run:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    failed: int  # non-2xx answers and socket errors
    booked: int | None = None  # bookings made (writes only)


# --- servers -------------------------------------------------------------------------


@contextlib.contextmanager
def server(app: str, env: dict, workers: int, log: Path | None = None):
    """A uvicorn server of `app` on a free loopback port; yields its /graphql URL.

    Its output goes to `log` when given (as a deployment's goes to a file or a journal):
    thousands of lines a second through a terminal or a pipe cost the process reading
    them CPU that the server under load then lacks."""
    options = ("--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
               "--no-access-log", "--log-level", "warning")
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(log.open("wb")) if log is not None else None
        try:
            port = stack.enter_context(uvicorn_server(app, env=env, options=options,
                                                      output=output))
        except ServerDidNotStart as exc:
            tail = log.read_text(errors="replace")[-2000:] if log is not None else ""
            sys.exit(f"{exc}\n{tail}")
        yield f"http://{HOST}:{port}/graphql"


# --- load ----------------------------------------------------------------------------


def load(url: str, bodies: Path, *, seconds: float, connections: int, threads: int,
         token: str | None) -> Run:
    """One wrk run against `url`, cycling through the bodies in `bodies`."""
    env = {**os.environ, "BENCH_BODIES": str(bodies), "BENCH_THREADS": str(threads),
           "BENCH_TOKEN": token or ""}
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds:g}s",
               "--timeout", "10s", "-s", str(LUA), url]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                         timeout=seconds + 60).stdout
    result = json.loads(out.strip().splitlines()[-1])
    return Run(requests_per_s=result["requests"] / (result["duration_us"] / 1e6),
               p50_ms=result["p50_us"] / 1000, p99_ms=result["p99_us"] / 1000,
               requests=result["requests"], failed=result["non_2xx"] + result["socket_errors"])


def write_bodies(directory: Path, name: str, operation, variables: list[dict]) -> Path:
    path = directory / f"{name}.jsonl"
    with path.open("w") as out:
        for values in variables:
            body = {"operationName": operation.name, "query": operation.document,
                    "variables": values}
            out.write(json.dumps(body) + "\n")
    return path


# --- the table -------------------------------------------------------------------------


def table(rows: list[tuple], notes: list[str]) -> str:
    lines = ["| operation | API req/s | API p50 ms | API p99 ms | baseline req/s "
             "| baseline p50 ms | baseline p99 ms | baseline ÷ API req/s | API ÷ baseline p50 "
             "| SQL statements | note |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for label, api, limit, statements, note in rows:
        if api is None:
            lines.append(f"| {label} | – | – | – | – | – | – | – | – | – | {note} |")
            continue
        lines.append(
            f"| {label} | {api.requests_per_s:,.0f} | {api.p50_ms:.2f} | {api.p99_ms:.2f} "
            f"| {limit.requests_per_s:,.0f} | {limit.p50_ms:.2f} | {limit.p99_ms:.2f} "
            f"| {limit.requests_per_s / api.requests_per_s:.2f}× "
            f"| {api.p50_ms / limit.p50_ms:.2f}× | {statements} | {note} |")
    return "\n".join(lines + [""] + notes)


def median_run(runs: list[Run]) -> Run:
    """The run with the median throughput (its own latencies go with it)."""
    return sorted(runs, key=lambda run: run.requests_per_s)[len(runs) // 2]


def _note(api: Run, limit: Run) -> str:
    parts = []
    if api.booked is not None:
        # Requests still in flight when wrk stops are booked but not counted as answers.
        parts.append(f"bookings made / answers counted: {api.booked:,} / {api.requests:,} "
                     f"(API), {limit.booked:,} / {limit.requests:,} (baseline)")
    if api.failed or limit.failed:
        parts.append(f"failed {api.failed} (API), {limit.failed} (baseline)")
    return "; ".join(parts)


# --- main --------------------------------------------------------------------------------


def bench_database_url(name: str) -> str:
    from config import localdb  # noqa: PLC0415 - no Django needed

    base = os.environ.get("DATABASE_URL") or localdb.database_url()
    return urlparse(base)._replace(path="/" + name).geturl()


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-name", default="rangebook_bench")
    parser.add_argument("--duration", type=float, default=10, help="seconds measured per run")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per run")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="uvicorn workers of each server (default: one a CPU, as the "
                             "README's production command runs the API)")
    parser.add_argument("--rounds", type=int, default=3, help="runs per side; median reported")
    parser.add_argument("--only", nargs="*", help="operationNames to run (default: all)")
    parser.add_argument("--book-rate", type=int, default=2500,
                        help="most bookings per second expected (slots prepared per run)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true",
                        help="only prove the baseline matches the API (no servers, no load)")
    parser.add_argument("--api-env", action="append", default=[], metavar="NAME=VALUE",
                        help="extra environment of the API server (to try settings)")
    parser.add_argument("--operation-log", action="store_true",
                        help="keep the API's log line per operation on (off by default, as "
                             "both servers' access logs and PostGraphile's query log in "
                             "bench-peer: the line costs the API, not the SQL)")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    os.environ["DATABASE_URL"] = bench_database_url(args.database_name)
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django  # noqa: PLC0415 - settings need the bench database first

    django.setup()
    from bench import api_runner  # noqa: PLC0415

    api_runner.run(args)


if __name__ == "__main__":
    main()
