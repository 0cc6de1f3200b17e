"""bench/api.py's run, once Django is set up on the bench database."""

import json
import os
import random
import sys
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import ApiToken, api_token_create
from bench import api, api_check, baseline
from bench.api_operations import OPERATIONS, VARIANTS
from booking.models import Booking


def run(args) -> None:
    user = get_user_model().objects.get_or_create(username=api.BENCH_USER)[0]
    token_row, token = api_token_create(user=user, name="bench/api.py")
    operations = [op for op in OPERATIONS if not args.only or op.name in args.only]
    try:
        with tempfile.TemporaryDirectory(prefix="bench-api-") as directory:
            rows, notes = measure(args, operations, user, token, Path(directory))
    finally:
        ApiToken.objects.filter(pk=token_row.pk).update(revoked_at=timezone.now())
        # Give the slots back, so the next run finds the data as bench/prepare.sh left it.
        Booking.objects.filter(customer=user, status="confirmed").update(status="cancelled")
    print(api.table(rows, notes))


def measure(args, operations, user, token: str, directory: Path):
    rng = random.Random(args.seed)
    statements, reads, refused = {}, {}, {}
    for op in operations:
        variables = op.variables(rng, 1 if op.writes else VARIANTS)
        if op.replayed:
            baseline.REPLAY.update(_replay(op, variables))
        if (sql := api_check.compiled_statement(_body(op, variables[0]))) is not None:
            baseline.COMPILED[op.name] = sql
        problems, statements[op.name] = _checked(op, variables[0], token)
        if problems:
            refused[op.name] = problems
            print(f"{op.label}: the baseline does not match the API, not measured:\n"
                  + "\n".join(problems), file=sys.stderr)
        elif not op.writes:
            reads[op.name] = api.write_bodies(directory, op.name, op, variables)
    if args.check:
        sys.exit(1 if refused else "The baseline runs the API's statements and answers its "
                 "JSON: " + ", ".join(f"{op.label} ({statements[op.name]} statements)"
                                      for op in operations) + ".")
    load_before = os.getloadavg()
    api_env = {"DJANGO_DEBUG": "0",
               "RANGEBOOK_LOG_OPERATIONS": "INFO" if args.operation_log else "WARNING",
               **dict(item.split("=", 1) for item in args.api_env)}
    replay = directory / "replay.json"
    replay.write_text(json.dumps(baseline.REPLAY))
    compiled = directory / "compiled.json"
    compiled.write_text(json.dumps(baseline.COMPILED))
    base_env = {"BASELINE_DATABASE_URL": os.environ["DATABASE_URL"],
                "BASELINE_REPLAY": str(replay), "BASELINE_COMPILED": str(compiled)}
    rows = []
    with api.server("config.asgi:application", api_env, args.workers,
                    directory / "api.log") as api_url, \
            api.server("bench.baseline:application", base_env, args.workers,
                       directory / "baseline.log") as base_url:
        for index, op in enumerate(operations):
            if op.name in refused:
                rows.append((op.label, None, None, None, _refused_note(refused[op.name])))
                continue
            sides = [("API", api_url), ("baseline", base_url)][::-1 if index % 2 else 1]
            runs = {name: [] for name, _ in sides}
            for _ in range(args.rounds):
                for name, url in sides:
                    runs[name].append(_side(args, op, url, token, user, rng, directory,
                                            reads.get(op.name)))
            api_run, base_run = api.median_run(runs["API"]), api.median_run(runs["baseline"])
            rows.append((op.label, api_run, base_run, statements[op.name],
                         api._note(api_run, base_run)))
            print(f"{op.label}: API {api_run.requests_per_s:,.0f}/s, "
                  f"baseline {base_run.requests_per_s:,.0f}/s; load average "
                  f"{os.getloadavg()[0]:.2f}", file=sys.stderr)
    load_after = os.getloadavg()
    notes = [f"{os.cpu_count()} CPUs; each server: uvicorn, {args.workers} worker(s), uvloop, "
             f"httptools, no access log, output to a file; the API's operation log "
             f"{'on' if args.operation_log else 'off'}; wrk: {args.threads} threads, "
             f"{args.connections} "
             f"connections, {args.warmup:g} s warm-up then {args.duration:g} s measured per "
             f"run, {args.rounds} run(s) per side (median); load average (1 min) "
             f"{load_before[0]:.2f} before, {load_after[0]:.2f} after (the bench's own servers, "
             f"wrk and PostgreSQL count in it while they run)."]
    return rows, notes


def _body(op, variables: dict) -> dict:
    return {"operationName": op.name, "query": op.document, "variables": variables}


def _checked(op, variables: dict, token: str) -> tuple[list[str], int]:
    return api_check.check(_body(op, variables), token=token if op.writes else None,
                           writes=op.writes)


def _replay(op, variables: list[dict]) -> dict[str, list[str]]:
    """The API's statements for each search text, for the baseline to send in its turn."""
    return {values["text"]: api_check.replayable(
        {"operationName": op.name, "query": op.document, "variables": values})
        for values in variables}


def _refused_note(problems: list[str]) -> str:
    first = problems[0].splitlines()[0]
    return f"not measured: the baseline does not match the API ({first[:120]}; see stderr)"


def _side(args, op, url: str, token: str, user, rng, directory: Path, bodies: Path | None):
    runs = []
    for seconds in (args.warmup, args.duration):
        if op.writes:  # fresh slots for every run: none booked before
            bodies = api.write_bodies(directory, f"{op.name}-{len(runs)}", op,
                                      op.variables(rng, int(args.book_rate * seconds) + 100))
            before = _booked(user)
        run = api.load(url, bodies, seconds=seconds, connections=args.connections,
                       threads=args.threads, token=token if op.writes else None)
        if op.writes:
            run.booked = _booked(user) - before
        runs.append(run)
    return runs[-1]


def _booked(user) -> int:
    return Booking.objects.filter(customer=user, status="confirmed").count()



