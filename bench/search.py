"""Search benchmark: resource_search over a fixed query mix on a generated catalogue.

    .venv/bin/python -m bench.search --database-name rangebook_search_100k \
        [--ensure 100000] [--runs 5] [--explain]

`--ensure N` first makes the database hold a generated catalogue of N resources: when it is
missing or holds another number of documents, it is dropped, created, migrated and filled
by `manage.py generate_catalogue --seed 1` (100k: about 3 min; 1M: about 25 min).

The mix is drawn from the catalogue's own vocabulary (search_vocabularyword) with a fixed
seed, eight classes of eight queries: rare words (in 0.005-0.1 % of documents), common words
(in 10-35 %), two words, a quoted phrase, a prefix being typed, a single typo, a word with a
party size and a city stated ("quiet for 6 people in Berlin"), and a common word with a rare
one (a fallback ranked by term rarity). Every
search asks for the top 20 with rank, snippets and facets over all matches. Each query runs
once to warm up, then --runs times; the table gives median and p95 per class, of the
selector and of its two statements sent straight through psycopg as the selector sends them
(prepared; the search statement with a generic plan: the practical limit), plus matches per
query and the machine's load average before and after.
"""

import argparse
import functools
import os
import random
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from psycopg import sql  # noqa: E402

from config.prepared import GENERIC  # noqa: E402
from search.scale import CITIES  # noqa: E402
from search.selectors import resource_search, resource_search_steps  # noqa: E402
from search.steps import Statement, statements_sent  # noqa: E402

PER_CLASS = 8
STOP = {"the", "and", "with", "for", "from", "into", "are", "you", "your", "can"}


def query_mix(seed: int) -> dict[str, list[str]]:
    """Eight queries per class, from the vocabulary of the catalogue being measured."""
    rng = random.Random(seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM search_resourcedocument")
        total = cursor.fetchone()[0]
        cursor.execute("SELECT word, documents FROM search_vocabularyword"
                       " WHERE length(word) >= 5 ORDER BY word")
        words = [(w, n / total) for w, n in cursor.fetchall() if w not in STOP]
    rare = [w for w, share in words if 0.00005 <= share <= 0.001]
    common = [w for w, share in words if 0.10 <= share <= 0.35]
    medium = [w for w, share in words if 0.01 <= share < 0.10]
    phrases = ['"natural light"', '"video conferencing"', '"meeting room"', '"hot desk"',
               '"step free access"', '"air conditioning"', '"phone booth"',
               '"espresso machine"']
    return {
        "rare": rng.sample(rare, PER_CLASS),
        "common": rng.sample(common, min(PER_CLASS, len(common))),
        "two words": [f"{a} {b} " for a, b in zip(rng.sample(common + medium, PER_CLASS),
                                                    rng.sample(medium, PER_CLASS), strict=True)],
        "phrase": phrases,
        "prefix": [w[:4] for w in rng.sample(common + medium, PER_CLASS)],
        "typo": [_typo(w, rng) for w in rng.sample(common + medium, PER_CLASS)],
        # A party size and a city read into filters (search/understand.py), a word ranked.
        "stated needs": [f"{w} for {rng.randint(2, 12)} people in {city[0]} "
                         for w, city in zip(rng.sample(common + medium, PER_CLASS),
                                            rng.sample(CITIES[:8], PER_CLASS), strict=True)],
        # Few documents have both: a fallback, whose matches term rarity ranks.
        "rare among common": [f"{a} {b} " for a, b in zip(
            rng.sample(common, min(PER_CLASS, len(common))), rng.sample(rare, PER_CLASS),
            strict=False)],
    }


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 2)
    return word[:i] + word[i + 1] + word[i] + word[i + 2:] + " "  # swap two letters


def run(text: str) -> tuple[float, float, int]:
    """Seconds of the selector, seconds of its statements through psycopg, matches."""
    started = time.perf_counter()
    result = resource_search(text=text, first=20)
    selector = time.perf_counter() - started
    statements = statements_of(text)
    raw = _baseline()
    started = time.perf_counter()
    for statement in statements:  # as config/prepared.py sends them
        if statement.generic:
            with raw.transaction():
                raw.execute(GENERIC)
                raw.execute(statement.sql, statement.params, prepare=True).fetchall()
        else:
            raw.execute(statement.sql, statement.params, prepare=statement.prepare).fetchall()
    return selector, time.perf_counter() - started, result.total


def statements_of(text: str) -> list[Statement]:
    """The statements resource_search sends for `text`."""
    return statements_sent(resource_search_steps(text=text, first=20))


@functools.cache
def _baseline() -> psycopg.Connection:
    """A psycopg session of its own to the database measured (autocommit, JIT off)."""
    params = connection.get_connection_params()
    params["dbname"] = connection.settings_dict["NAME"]
    params.pop("context", None)
    params.pop("cursor_factory", None)  # Django's binds client-side: never prepares
    params["prepare_threshold"] = 5
    return psycopg.connect(**params, autocommit=True)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def measure(mix: dict[str, list[str]], runs: int) -> list[str]:
    rows, everything = [], []
    for label, queries in mix.items():
        selector, direct, matches = [], [], []
        for text in queries:
            run(text)  # warm-up
            for _ in range(runs):
                s, d, n = run(text)
                selector.append(s)
                direct.append(d)
            matches.append(n)
        everything += selector
        rows.append(_row(label, selector, direct, matches, queries))
    rows.append(_row("all", everything, [], [], []))
    return rows


def _row(label, selector, direct, matches, queries) -> str:
    ms = [f"{1000 * statistics.median(selector):.1f}", f"{1000 * percentile(selector, 95):.1f}"]
    ms += [f"{1000 * statistics.median(direct):.1f}", f"{1000 * percentile(direct, 95):.1f}"] \
        if direct else ["", ""]
    found = f"{min(matches)}–{max(matches)}" if matches else ""
    example = queries[0].strip() if queries else ""
    return f"| {label} | {' | '.join(ms)} | {found} | `{example}` |"


def explain(mix: dict[str, list[str]]) -> None:
    for label, queries in mix.items():
        with CaptureQueriesContext(connection) as captured:
            resource_search(text=queries[0], first=20)
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + captured.captured_queries[-1]["sql"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        print(f"\n### {label}: {queries[0]!r}\n\n```\n{plan}\n```")


def ensure_catalogue(name: str, resources: int) -> None:
    """Make database `name` hold a generated catalogue of `resources` resources."""
    if name == connection.settings_dict["NAME"]:
        raise SystemExit("--ensure needs a --database-name of its own (it drops it).")
    connection.settings_dict["NAME"] = name
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM search_resourcedocument")
            present = cursor.fetchone()[0] == resources
    except Exception:  # noqa: BLE001 - missing database or tables: made below
        present = False
    if present:  # (outside the try: a failing migration must not drop the catalogue)
        call_command("migrate", verbosity=0)  # later migrations, if any
        return
    connection.close()
    settings = connection.get_connection_params()
    with psycopg.connect(**{**settings, "dbname": "postgres"}, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    call_command("migrate", verbosity=0)
    call_command("generate_catalogue", resources=resources, seed=1)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-name", help="database on the configured server")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--explain", action="store_true")
    parser.add_argument("--ensure", type=int, metavar="N",
                        help="first make the database hold a generated catalogue of N")
    args = parser.parse_args(argv)
    if args.ensure:
        ensure_catalogue(args.database_name or "", args.ensure)
    elif args.database_name:
        connection.settings_dict["NAME"] = args.database_name
    mix = query_mix(args.seed)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), to_regclass('search_document_rum') IS NOT NULL"
                       " FROM search_resourcedocument")
        documents, rum = cursor.fetchone()
    load_before = os.getloadavg()
    rows = measure(mix, args.runs)
    load_after = os.getloadavg()
    print(f"{documents} documents, {'RUM' if rum else 'GIN'} index, {args.runs} runs per "
          f"query after a warm-up; load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after (1 min)\n")
    print("| class | selector median ms | selector p95 ms | psycopg median ms | psycopg p95 ms"
          " | matches | e.g. |")
    print("| --- | ---: | ---: | ---: | ---: | --- | --- |")
    print("\n".join(rows))
    if args.explain:
        explain(mix)


if __name__ == "__main__":
    main()
