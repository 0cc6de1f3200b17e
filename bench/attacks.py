"""The attacks of the hardening issue against a running server, each timed with a probe.

    .venv/bin/python -m bench.attacks [--url http://127.0.0.1:8000/graphql] [--only NAME ...]
    .venv/bin/python -m bench.attacks --shapes

Runs each attack anonymously (as anyone on the network could) against a server that
`make demo` started, while a probe sends `{ __typename }` every 100 ms. Prints one row per
attack: its wall time, what came back (status, error code, body size), the slowest probe
answer during the attack, and the growth of the server's memory when `--pid` names it
(the RSS of that process and its children, from /proc). `--shapes` times, in process, the
parsing and checking of documents near the 2,000-token limit (SHAPES), once each without
caches (median of 5), next to a yardstick of this machine's Python speed.
`tests/abuse/` asserts the same attacks against the test server; this prints the figures
for the README.
"""

import argparse
import concurrent.futures
import contextlib
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from graphql.language import Lexer, Source, TokenKind

PROBE = b'{"query": "{ __typename }"}'


@dataclass
class Answer:
    status: int
    seconds: float
    body: bytes

    @property
    def code(self) -> str:
        try:
            answer = json.loads(self.body)
            errors = answer.get("errors") if isinstance(answer, dict) else None
        except ValueError:
            return "-" if self.status == 200 else "(not JSON)"
        if not errors:
            return "data"
        return ",".join(sorted({str((e.get("extensions") or {}).get("code")) for e in errors}))


def send(url: str, body: bytes, timeout: float, headers: dict | None = None) -> Answer:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json", **(headers or {})})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Answer(response.status, time.monotonic() - started, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, time.monotonic() - started, error.read())
    except (TimeoutError, urllib.error.URLError, ConnectionError) as error:
        return Answer(0, time.monotonic() - started, str(error).encode())


def query(text: str, variables: dict | None = None) -> bytes:
    return json.dumps({"query": text, "variables": variables or {}}).encode()


# --- the attacks: each returns request bodies sent at once ------------------------------


def fan_out(levels: int) -> str:
    """`{ ...F0 }`, each fragment spreading the next twice: 2**levels spreads if expanded."""
    fragments = [f"fragment F{n} on Query {{ ...F{n + 1} ...F{n + 1} }}" for n in range(levels)]
    return " ".join(["{ ...F0 }", *fragments, f"fragment F{levels} on Query {{ __typename }}"])


def fragment_fanout(levels: int) -> bytes:
    return query(fan_out(levels))


def regex(groups: int) -> bytes:
    pattern = "^" + "(.*)" * groups + "".join(f"\\{n}" for n in range(1, groups + 1)) + "$"
    return query('query ($p: String!) { resources(filters: {name: {regex: $p}}) { name } }',
                 {"p": pattern})


def availability(url: str, step: int, days: int) -> bytes:
    ids = json.loads(send(url, query("{ resources { id } }"), 60).body)["data"]["resources"]
    start = "2026-12-07T00:00:00Z"
    end = time.strftime("%Y-%m-%dT00:00:00Z",
                        time.gmtime(time.mktime(time.strptime(start, "%Y-%m-%dT%H:%M:%SZ"))
                                    + days * 86400))
    return query("""query ($ids: [ID!]!, $w: DateTimeRangeInput!, $s: Int) {
        availability(resourceIds: $ids, window: $w, durationMinutes: 30, stepMinutes: $s) {
          resourceId freePeriods { lower upper } slots { start end } } }""",
                 {"ids": [r["id"] for r in ids], "w": {"lower": start, "upper": end}, "s": step})


def tokens(text: str) -> int:
    lexer, count = Lexer(Source(text)), 0
    while lexer.advance().kind != TokenKind.EOF:
        count += 1
    return count


# Shapes of documents near the 2,000-token limit, each one that made some check
# super-linear in graphql-core or strawberry, with the code each gets (None: an answer).
SHAPES = {
    "fan-out of 20 fragments": (fan_out(20), None),
    "fan-out of 60 fragments": (fan_out(60), "query_too_complex"),
    "each fragment spreads all before it": (" ".join(
        ["{ ...F40 }", "fragment F0 on Query { __typename }"]
        + [f"fragment F{n} on Query {{ {' '.join(f'...F{m}' for m in range(n))} }}"
           for n in range(1, 41)]), "query_too_complex"),
    "a chain of 240 fragments": (" ".join(
        ["{ ...F0 }", *(f"fragment F{n} on Query {{ ...F{n + 1} }}" for n in range(240)),
         "fragment F240 on Query { __typename }"]), "query_too_complex"),
    "1,990 fields of one name": ("{ resources { " + "name " * 1990 + "} }",
                                 "query_too_complex"),
    "200 root fields, one name, other arguments": (" ".join(
        ["{", *(f'resource(id: "{n}") {{ name }}' for n in range(200)), "}"]),
        "query_too_complex"),
    "60 fragments of the same fields side by side": (
        "{ resources { " + " ".join(f"...R{n}" for n in range(60)) + " } } " + " ".join(
            f"fragment R{n} on Resource {{ id name slug capacity {{ lower }} venue {{ name }} }}"
            for n in range(60)), "query_too_complex"),
    "the same, with a variable": (" ".join(
        ["query ($v: Boolean = true) { ...F40 @include(if: $v) }",
         "fragment F0 on Query { __typename }"]
        + [f"fragment F{n} on Query {{ {' '.join(f'...F{m}' for m in range(n))} }}"
           for n in range(1, 41)]), "query_too_complex"),
    "20 fragments side by side, with a variable": (
        "query ($v: Boolean = true) { resources { " + " ".join(
            f"...R{n} @include(if: $v)" for n in range(20)) + " } } " + " ".join(
            f"fragment R{n} on Resource {{ id name slug capacity {{ lower }} venue {{ name }} "
            f"category {{ name }} amenities {{ name }} }}" for n in range(20)),
        "query_too_complex"),
    "a chain of 20 fragments, with a variable": (" ".join(
        ["query ($v: Boolean = true) { ...F0 @include(if: $v) }",
         *(f"fragment F{n} on Query {{ __typename ...F{n + 1} }}" for n in range(19)),
         "fragment F19 on Query { __typename }"]), None),
    "20 aliases, each its own fragment of every field, with a variable": (
        "query ($v: Boolean = true) { " + " ".join(
            f"a{n}: resources(limit: 1) @include(if: $v) {{ ...R{n} }}" for n in range(20))
        + " } " + " ".join(
            f"fragment R{n} on Resource {{ id name slug description capacity {{ lower upper "
            "lowerInc upperInc isEmpty } venue { id name slug city country timezone } "
            "category { id name slug } amenities { id name slug } openingHours { weekday "
            "opens closes } rates { pricePerHour currency } }" for n in range(20)), None),
    "60 fragments side by side, with a variable": (
        "query ($v: Boolean = true) { resources { " + " ".join(
            f"...R{n} @include(if: $v)" for n in range(60)) + " } } " + " ".join(
            f"fragment R{n} on Resource {{ id name slug capacity {{ lower }} venue {{ name }} }}"
            for n in range(60)), "query_too_complex"),
    "selection sets 700 deep": ("{" * 700 + "}" * 700, "invalid_query"),
    "a list value 990 deep": ("{ resources(filters: {name: {inList: " + "[" * 990 + "]" * 990
                              + "}}) { name } }", "query_too_deep"),
    "inline fragments 600 deep": ("{ " + "... { " * 600 + "__typename" + " }" * 600 + " }",
                                  "query_too_deep"),
    "2,001 tokens": ("{ " + "x " * 1999 + "}", "too_many_tokens"),
    "20,001 characters": ("{ __typename }" + " " * 19_987, "query_too_large"),
}



ATTACKS: dict[str, Callable[[str], list[bytes]]] = {
    "fragments-21": lambda url: [fragment_fanout(21)],
    "fragments-21-x20": lambda url: [fragment_fanout(21)] * 20,
    "fragments-16-x20": lambda url: [fragment_fanout(16)] * 20,
    "regex-6-groups": lambda url: [regex(6)],
    "regex-5-groups-x40": lambda url: [regex(5)] * 40,
    "regex-malformed": lambda url: [query('{ resources(filters: {name: {regex: "("}}) '
                                          '{ name } }')],
    "availability-73x92d-step1": lambda url: [availability(url, 1, 92)],
    "deep-json-100k": lambda url: [b"[" * 100_000],
}


# --- measuring -------------------------------------------------------------------------


def rss_kib(pid: int) -> int:
    """Resident memory of `pid` and its descendants (KiB), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            with open(f"/proc/{current}/status") as status:
                total += next(int(line.split()[1]) for line in status
                              if line.startswith("VmRSS:"))
        except (OSError, StopIteration):
            pass
    return total


def probe(url: str, stop: threading.Event, slowest: list[float]) -> None:
    while not stop.is_set():
        answer = send(url, PROBE, 120)
        slowest.append(answer.seconds if answer.status == 200 else float("inf"))
        stop.wait(0.1)


def run(name: str, url: str, timeout: float, pid: int | None) -> dict:
    bodies = ATTACKS[name](url)
    rss_before = rss_kib(pid) if pid else 0
    peak = [rss_before]
    stop, latencies = threading.Event(), []
    prober = threading.Thread(target=probe, args=(url, stop, latencies), daemon=True)

    def watch_memory():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kib(pid))
            stop.wait(0.2)

    watcher = threading.Thread(target=watch_memory, daemon=True) if pid else None
    prober.start()
    if watcher:
        watcher.start()
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(lambda body: send(url, body, timeout), bodies))
    elapsed = time.monotonic() - started
    stop.set()
    prober.join()
    if watcher:
        watcher.join()
    return {
        "attack": name, "requests": len(bodies), "wall_s": round(elapsed, 2),
        "status": sorted({a.status for a in answers}), "codes": sorted({a.code for a in answers}),
        "body_bytes": max(len(a.body) for a in answers),
        "probe_max_s": round(max(latencies, default=0), 3),
        "rss_growth_mib": round((peak[0] - rss_before) / 1024) if pid else None,
    }


def time_shapes() -> None:
    """Per shape: tokens, ms to parse, and ms to parse, limit and validate (no cache)."""
    import statistics

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    django.setup()
    from graphql import parse, specified_rules

    from schema import limits, schema

    rules = tuple(specified_rules)  # what strawberry validates with, limits aside
    public = limits.graphql_schema(schema)  # built once, before any timing
    yardstick = statistics.median(_seconds(lambda: sum(range(10**6))) for _ in range(5))
    print(f"yardstick: sum(range(10**6)) in {yardstick * 1000:.1f} ms")
    for name, (text, _) in SHAPES.items():
        def checked(text=text):
            limits.parse_document.cache_clear()
            limits.validation_errors.cache_clear()
            with contextlib.suppress(Exception):  # a refusal while parsing is a result too
                limits.validation_errors(text, public, rules)

        parsed = statistics.median(
            _seconds(lambda text=text: _parse_or_refuse(parse, text)) for _ in range(5))
        total = statistics.median(_seconds(checked) for _ in range(5))
        print(json.dumps({"shape": name, "tokens": min(tokens(text), 2001),
                          "parse_ms": round(parsed * 1000, 1),
                          "checked_ms": round(total * 1000, 1)}))


def _parse_or_refuse(parse, text: str) -> None:
    with contextlib.suppress(Exception):  # the token limit, a syntax error: work done all the same
        parse(text, max_tokens=2000)


def _seconds(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000/graphql")
    parser.add_argument("--only", nargs="*", choices=sorted(ATTACKS))
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per request")
    parser.add_argument("--pid", type=int, help="the server's pid, to measure its memory")
    parser.add_argument("--shapes", action="store_true", help="time document checks only")
    args = parser.parse_args()
    if args.shapes:
        return time_shapes()
    for name in args.only or ATTACKS:
        print(json.dumps(run(name, args.url, args.timeout, args.pid)), flush=True)


if __name__ == "__main__":
    main()
