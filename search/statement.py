"""The one SQL statement of a search after the vocabulary look-up: the match, filters and
availability, facet counts over all matches, the ranked page, its snippets and prices.

`plan` is selectors._Plan: the tsquery texts, whether the text has words to rank by, and
whether the RUM index (and search_rum_page()) exists.
"""

from django.db.models.expressions import RawSQL

from booking.models import Resource
from booking.selectors import resource_list_free
from search import fallback
from search.branches import gate, rum_page
from search.facets import (
    ANCHORED_FACET_CTE,
    CATEGORY_SET,
    FACET_CTE,
    FACETS,
    TRACKED_FACET_CTE,
)
from search.filters import SearchFilters, price_date
from search.query import negative_tsquery_text

MARK_START, MARK_STOP = "\x02", "\x03"  # removed from the text highlighted; <mark> after escaping
SNIPPET = (f"StartSel={MARK_START}, StopSel={MARK_STOP}, MaxFragments=2, MaxWords=24, "
           "MinWords=8, FragmentDelimiter=\" … \"")
WHOLE = f"StartSel={MARK_START}, StopSel={MARK_STOP}, HighlightAll=true"


# Without filters, a query that is a tracked term (sql/functions/search_terms_track.sql) reads
# the term's facet counts, kept by the document triggers, instead of counting its matches
# (the counting branch is then skipped by a one-time filter), and its page from the term's
# postings when they hold it (`usable`; not when some matches come first: after a fallback,
# the exact ones; for a finished word being typed, those with the word itself, which come
# from the word's own postings when it is tracked).
# The postings hold the page when there are at least as many as the page reads (counted up
# to that many, from the index) or when every match has one.
def _term_cte(name: str, key: str, gate: str = "") -> str:
    """The tracked term whose key is `q.<key>`, as CTE `name`: its id, and whether its
    postings hold the page (params: the rows the page reads, twice)."""
    return f"""{name} AS MATERIALIZED (
    SELECT t.id, {gate}(p.n >= %s OR p.n = (
               SELECT f.documents FROM search_termfacet f
               WHERE f.term_id = t.id AND f.kind = 0 AND f.value = '')) AS usable
    FROM search_term t
    CROSS JOIN LATERAL (SELECT count(*) AS n FROM (
        SELECT FROM search_termposting WHERE term_id = t.id LIMIT %s) AS x) AS p
    WHERE t.key = (SELECT {key} FROM q)::text)"""


def _postings_page(term: str, tier: int) -> str:
    """The page from the postings of CTE `term` when they hold it (params: the limit)."""
    return f"""SELECT p.resource_id, p.score, NULL::text AS sort_name, {tier} AS tier,
           row_number() OVER () AS ord
    FROM (SELECT resource_id, score FROM search_termposting
          WHERE term_id = (SELECT id FROM {term}) ORDER BY score DESC, resource_id LIMIT %s) p
    WHERE coalesce((SELECT usable FROM {term}), false)"""


# With filters or availability, a tracked term's page is its first postings among the
# matches (the `hit` CTE) when as many as the page reads are there: a match without a
# posting scores below every posting (ties are kept whole), so those are the page exactly.
# Else the page is ranked as without. ("office" in Tokyo for 5 at 1M: 7,774 matches scored
# one by one in 45 ms; their postings read in order until 21 are matches.) With filters
# only while the matches are few (FEW_HITS): past the postings they are then scored one by
# one, and equal scores keep the postings' order (by id) from page to page; RUM's own order
# of equal scores, for many matches, could repeat or skip a hit between pages. `IS TRUE` keeps
# the IN a hashed subplan, tested on each posting in order: as a join, the generic plan
# looked each match up among the term's postings (1,180 at 100k: 57 ms).
_HIT_POSTINGS_CTE = """hit_postings AS MATERIALIZED (
    SELECT p.resource_id, p.score FROM search_termposting p
    WHERE p.term_id = (SELECT t.id FROM search_term t WHERE t.key = (SELECT query FROM q)::text)
      AND (p.resource_id IN (SELECT resource_id FROM hit)) IS TRUE
    ORDER BY p.score DESC, p.resource_id LIMIT %s)"""
_HIT_POSTINGS_ENOUGH = "(SELECT count(*) FROM hit_postings) >= %s"
_HIT_POSTINGS_PAGE = """SELECT resource_id, score, NULL::text AS sort_name, 1 AS tier,
           row_number() OVER (ORDER BY score DESC, resource_id) AS ord FROM hit_postings"""
_TERM_CTE = _term_cte("term", "query", gate="(SELECT first FROM q) IS NULL AND ")
# The finished word being typed (`q.first`): its matches come first, and when it is a
# tracked term they are read from its postings, as a search for the word alone would.
_FIRST_TERM_CTE = _term_cte("first_term", "first")
_USABLE = "coalesce((SELECT usable FROM term), false)"
_POSTINGS_PAGE = _postings_page("term", tier=1)
# ts_headline re-parses the text: evaluated for the rows of the page only. Stored text may
# hold the marker characters themselves (raw SQL, an import): they are removed from the text
# highlighted, or they would become stray <mark> tags.
_UNMARKED = "translate({}, chr(2) || chr(3), '')"
_NAME, _DESCRIPTION = _UNMARKED.format("r.name"), _UNMARKED.format("r.description")
_PAGE = f"""
    (SELECT json_agg(json_build_array(
         p.resource_id, p.score, p.tier, r.name, r.slug, v.name, v.city, c.name,
         coalesce(ts_headline('search_english', {_NAME}, (SELECT highlight FROM q), %s),
                  {_NAME}),
         coalesce(ts_headline('search_english', {_DESCRIPTION}, (SELECT highlight FROM q), %s),
                  left({_DESCRIPTION}, 200)),
         rate.price_per_hour, rate.currency)
         ORDER BY p.tier, p.ord, p.sort_name, p.resource_id)
     FROM page p
     JOIN booking_resource r ON r.id = p.resource_id
     JOIN booking_venue v ON v.id = r.venue_id
     JOIN booking_category c ON c.id = r.category_id
     LEFT JOIN LATERAL (
         SELECT rt.price_per_hour, rt.currency FROM booking_rate rt
         WHERE rt.resource_id = r.id
           AND rt.valid_during @> (%s::timestamptz AT TIME ZONE v.timezone)::date
         LIMIT 1) rate ON true)"""

# `first`: matches of this query come first (tier 0), NULL when none do.
_Q_FIXED = ("q AS MATERIALIZED (SELECT to_tsquery('search_english', %s) AS query,"
            " to_tsquery('search_english', %s) AS highlight, NULL::tsquery AS exact,"
            " to_tsquery('search_english', %s) AS first, false AS fallback)")
# A query made only of exclusions: every document but the matches of the excluded words,
# which the GIN index lists (`excluded`), instead of a test of every document's words (each
# read out of TOAST: "-office" at 1M, 726,509 of 979,932 kept, 9.5 s).
_Q_EXCLUDED = ("q AS MATERIALIZED (SELECT to_tsquery('search_english', %s) AS query,"
               " NULL::tsquery AS highlight, NULL::tsquery AS exact, NULL::tsquery AS first,"
               " false AS fallback),"
               " excluded AS MATERIALIZED (SELECT x.resource_id FROM search_resourcedocument x"
               " WHERE x.document @@ (SELECT query FROM q))")
# NOT IN: a hashed subplan, built once. As NOT EXISTS, the generic plan (expecting a few
# hundred excluded) anti-joined a page's few candidates by scanning `excluded` for each.
_NOT_EXCLUDED = "d.resource_id NOT IN (SELECT e.resource_id FROM excluded e)"

# Filters that leave at most this many matches: those are scored one by one, not ranked by
# a RUM scan over every match of the words (_unless_few_hits).
FEW_HITS = 20_000
_FEW = f"(SELECT coalesce(sum(n), 0) FROM facet WHERE kind = {CATEGORY_SET}) <= {FEW_HITS}"


def search_statement(plan, filters: SearchFilters, position, first: int, available_during, *,
               party_size, now) -> tuple[str, list]:
    conditions = filters.conditions()
    where = " AND ".join(cond for cond, _ in conditions)
    where_params = [p for _, params in conditions for p in params]
    q_sql, q_params, match = _query(plan)
    # (ctid: a filtered page reads its few matches again by it, _unless_few_hits)
    columns = "d.resource_id, d.category_id, d.city, d.amenity_ids, d.ctid AS tid"
    in_cities = plan.ranked and bool(filters.cities)
    if plan.ranked:
        hit, hit_params = _matches(columns, "(SELECT query FROM q)", where, where_params,
                                   in_cities=in_cities)
    else:
        hit, hit_params = (f"SELECT {columns} FROM search_resourcedocument d"
                           f" WHERE {match} AND {where}", where_params)
    ctes, params = [q_sql], [*q_params, *hit_params]
    if plan.ranked and plan.fuzzy is not None:  # the matches unless the fallback applies
        exact, exact_params = _matches(columns, "to_tsquery('search_english', %s)", where,
                                       [plan.exact, *where_params], in_cities=in_cities)
        ctes.insert(0, f"exact_hit AS MATERIALIZED ({exact})")
        params[:0] = exact_params
        hit = (f"SELECT * FROM exact_hit WHERE NOT (SELECT fallback FROM q)"
               f" UNION ALL (SELECT * FROM ({hit}) f WHERE (SELECT fallback FROM q))")
    if in_cities:
        ctes.insert(0, _CITY_Q)
        params[:0] = [filters.cities]
    ctes.append(f"hit AS ({hit})")
    if available_during is not None:
        ctes[-1] = ctes[-1].replace("hit AS", "candidate AS", 1)
        free_sql, free_params = _free(available_during, party_size, now)
        ctes.append(f"hit AS MATERIALIZED (SELECT * FROM candidate"
                    f" WHERE resource_id IN ({free_sql}))")
        params += free_params
    tracked = plan.ranked and available_during is None and filters.none
    hit_postings = (plan.ranked and not tracked and plan.fuzzy is None and plan.first is None
                    and "<->" not in plan.exact)
    if hit_postings:
        ctes.append(_HIT_POSTINGS_CTE)
        params.append(_limit(position, first))
    if available_during is not None:
        page_sql, page_params = _page(plan, "d.resource_id IN (SELECT resource_id FROM hit)",
                                      [], position, first, filters=None,
                                      hit_postings=hit_postings)
    if tracked:
        ctes.append(_TERM_CTE)
        params += [_limit(position, first), _limit(position, first)]
        if _first_postings(plan, tracked):
            ctes.append(_FIRST_TERM_CTE)
            params += [_limit(position, first), _limit(position, first)]
    anchor = fallback.anchor(plan) if tracked else None
    if anchor:
        ctes.append(fallback.ANCHOR_CTE)
        params.append(anchor[0])
    if available_during is None:
        page_sql, page_params = _page(plan, f"{match} AND {where}", where_params, position,
                                      first, filters=filters, postings=tracked and plan.rum,
                                      anchored=anchor is not None, hit_postings=hit_postings)
    facet = TRACKED_FACET_CTE if tracked else FACET_CTE
    if anchor:
        facet = ANCHORED_FACET_CTE
        params += [anchor[1], anchor[0]]
    ctes += [facet, page_sql]  # page reads facet
    params += page_params
    sql = f"WITH {', '.join(ctes)} SELECT {FACETS}, {_PAGE}, (SELECT fallback FROM q)"
    return sql, [*params, WHOLE, SNIPPET, price_date(available_during, now)]


# A document holds its city's words (weight B): filtered by cities, the matches of the
# words are also those of the cities' words (`'new' & 'york' | 'tokyo'`), which the GIN
# index intersects with the words' own postings in one scan, instead of reading every
# match of the words and then dropping those elsewhere ("soundproof" in Hamburg at 1M:
# 206,149 postings read, 6,991 kept; 43 -> 10 ms). Not when a city has no such word (its
# name all stop words): `usable` is false, and the matches are read as without.
_CITY_Q = """city_q AS MATERIALIZED (
    SELECT CASE WHEN bool_and(numnode(c.query) > 0)
                THEN string_agg('(' || c.query::text || ')', ' | ')::tsquery END AS query,
           bool_and(numnode(c.query) > 0) AS usable
    FROM (SELECT plainto_tsquery('search_english', city) AS query
          FROM unnest(%s::text[]) AS city) c)"""


def _matches(columns: str, query: str, where: str, params: list, *,
             in_cities: bool) -> tuple[str, list]:
    """The documents `d` matching the tsquery `query` within the filters (`where`), and its
    params; `in_cities`, reading the cities' words too when `city_q` is usable.

    With the cities' words, `@@@` (PostgreSQL's older name of `@@`, in GIN's operator class
    and not in RUM's) keeps the two conditions in the GIN index. With `@@`, the generic plan
    estimates two matching conditions at 1-2 rows and reads them by a RUM index scan, one
    row at a time in the index's order: "office" in New York for 3 at 100k, 2,073 rows read
    for 1,180 kept, 3.9 ms, where GIN's bitmap takes 2.4.
    """
    select = (f"SELECT {columns} FROM search_resourcedocument d"
              f" WHERE d.document @@ {query} AND {where}")
    if not in_cities:
        return select, params
    gin = (f"SELECT {columns} FROM search_resourcedocument d WHERE d.document @@@ {query}"
           f" AND d.document @@@ (SELECT query FROM city_q) AND {where}")
    return (f"SELECT * FROM ({gin}) w WHERE (SELECT usable FROM city_q)"
            f" UNION ALL SELECT * FROM ({select}) w WHERE NOT (SELECT usable FROM city_q)",
            [*params, *params])


def _query(plan) -> tuple[str, list, str]:
    """The `q` CTE (query, highlight query, fallback flag; for exclusions only, with the
    `excluded` CTE after it), its params, the match."""
    if plan.ranked and plan.fuzzy is None:
        return (_Q_FIXED, [plan.exact, plan.exact, plan.first],
                "d.document @@ (SELECT query FROM q)")
    if plan.ranked:
        return (*fallback.q_cte(plan), "d.document @@ (SELECT query FROM q)")
    if plan.parsed.groups:  # exclusions only: everything but them
        return _Q_EXCLUDED, [negative_tsquery_text(plan.parsed)], _NOT_EXCLUDED
    return ("q AS MATERIALIZED (SELECT NULL::tsquery AS query, NULL::tsquery AS highlight,"
            " NULL::tsquery AS first, false AS fallback)", [], "true")


# A page by name (a search without ranked words) is read from the resources in name order
# (resource_name_id), the first WALK after the position, when as many matches as the page
# reads are among them: they are then its first matches exactly (any other comes later).
# Else, when the matches are sparse, every match is sorted: "no text" at 1M sorted 979,932
# matches (0.8 s) for 21 rows. The page size is written in (an integer, 2 to MAX_PAGE + 1):
# as a parameter, the generic plan expected a tenth of the matches on the page and joined
# them to the resources by a merge join over every resource (0.3 s at 1M).
WALK = 2_000
_BROWSE_ROW = ("SELECT d.resource_id, NULL::real AS score, r.name AS sort_name, 1 AS tier,"
               " 0 AS ord")


def _browse_page(where: str, where_params: list, position, first: int) -> tuple[str, list]:
    """The `walked` and `page` CTEs of a page by name, and their params."""
    rows = int(first) + 1
    after = " AND (r.name, r.id) > (%s, %s)" if position else ""
    # Each resource's document read by its key (LATERAL, OFFSET 0 keeps it apart): as a
    # join, the planner read every match of the filters to meet the few resources.
    walked = (f"walked AS MATERIALIZED ({_BROWSE_ROW}"
              f" FROM (SELECT r.id, r.name FROM booking_resource r WHERE true{after}"
              f" ORDER BY r.name, r.id LIMIT {WALK}) r"
              f" CROSS JOIN LATERAL (SELECT d.resource_id FROM search_resourcedocument d"
              f" WHERE d.resource_id = r.id AND {where} OFFSET 0) d"
              f" ORDER BY r.name, r.id LIMIT {rows})")
    walked_all = f"(SELECT count(*) FROM walked) = {rows}"
    every = (f"{_BROWSE_ROW} FROM search_resourcedocument d"
             f" JOIN booking_resource r ON r.id = d.resource_id WHERE {where}{after}"
             f" ORDER BY r.name, r.id LIMIT {rows}")
    page = (f"page AS MATERIALIZED ({gate('SELECT * FROM walked', walked_all)}"
            f" UNION ALL {gate(every, f'NOT {walked_all}')})")
    position = list(position or [])
    return f"{walked}, {page}", [*position, *where_params, *where_params, *position]


def _page(plan, where: str, where_params: list, position, first: int, *,
          filters: SearchFilters | None, postings: bool = False,
          anchored: bool = False, hit_postings: bool = False) -> tuple[str, list]:
    """The `page` CTE: first + 1 rows in result order (the extra one says "more").
    `filters` when ranking may use the RUM index's order (not after availability).
    With `postings` (after the `term` CTE), from the term's postings when they hold the
    page, else as without (each branch behind a one-time filter, so only one runs); with
    `hit_postings` (after that CTE), from the postings among the matches when they do."""
    if not plan.ranked:
        return _browse_page(where, where_params, position, first)
    # Ranked pages continue at an offset: RUM returns equal scores in an order of its own,
    # fixed while the index does not change, which no key condition could reproduce.
    offset = position[0] if position else 0
    limit = _limit(position, first)
    scored = _branch(plan, where, where_params, limit, tier=1)
    if not _rum_orders(plan, filters):
        branches = [scored]
    else:
        rum = (rum_page(), [], [limit, *filters.function_args()])
        branches = [_unless_few_hits(plan, filters, rum, limit, tier=1)]
        if postings and plan.first is None:
            # A tracked term's pages past its postings are scored match by match, so that
            # equal scores stay in the postings' order (by id) from page to page. (A
            # finished word's pages never come from postings: its own matches come first.)
            branches = [(gate(branches[0][0], "(SELECT id FROM term) IS NULL"),
                         *branches[0][1:]),
                        (gate(scored[0], "(SELECT id FROM term) IS NOT NULL"), *scored[1:])]
    if plan.fuzzy is not None:
        # After a fallback, the matches that are not exact are ranked by term rarity.
        branches = [(gate(b, "NOT (SELECT fallback FROM q)"), *rest) for b, *rest in branches]
        branches.append(fallback.rarity_branch(plan, where, where_params, limit, filters,
                                       anchored=anchored))
    if postings:
        branches = [(_POSTINGS_PAGE, [], [limit]),
                    *((gate(b, f"NOT {_USABLE}"), *rest) for b, *rest in branches)]
    if hit_postings:
        # Past the postings, many filtered matches are ranked in RUM's order (_unless_few_hits).
        rum_past = _rum_orders(plan, filters) and not filters.none
        use = f"{_FEW} AND {_HIT_POSTINGS_ENOUGH}" if rum_past else _HIT_POSTINGS_ENOUGH
        branches = [(gate(_HIT_POSTINGS_PAGE, use), [], [limit]),
                    *((gate(b, f"NOT ({use})"), before, [*after, limit])
                      for b, before, after in branches)]
    ctes, params = "", []
    if plan.fuzzy is not None or plan.first is not None:
        # Tier 0 first, on its own; the others only when it does not fill what the page
        # reads (a finished word in 376k documents at 1M: 1.1 s to rank its completions).
        tier0 = _tier0(plan, where, where_params, limit, filters, postings)
        ctes = f"first_page AS MATERIALIZED ({_union(tier0)}), "
        params = _params(tier0)
        branches = [("SELECT * FROM first_page", [], []),
                    *((gate(b, "(SELECT count(*) FROM first_page) < %s"), before,
                       [*after, limit]) for b, before, after in branches)]
    return (f"{ctes}page AS MATERIALIZED (SELECT * FROM ({_union(branches)}) u"
            f" ORDER BY tier, ord LIMIT %s OFFSET %s)",
            [*params, *_params(branches), first + 1, offset])


def _union(branches) -> str:
    return " UNION ALL ".join(f"({branch})" for branch, _, _ in branches)


def _params(branches) -> list:
    return [p for _, before, after in branches for p in [*before, *after]]


def _first_postings(plan, tracked: bool) -> bool:
    """Whether the finished word's matches (tier 0) may come from its postings (the
    `first_term` CTE is there)."""
    return tracked and plan.rum and plan.first is not None and plan.fuzzy is None


def _tier0(plan, where: str, where_params: list, limit: int, filters, postings: bool):
    """The branches of tier 0: the finished word's postings when it is a tracked term that
    holds the page; past its postings scored match by match (equal scores by id, as in the
    postings); untracked, from the RUM index (or scored: _first_branch)."""
    branch = _first_branch(plan, where, where_params, limit, filters)
    if not _first_postings(plan, postings):
        return [branch]
    scored = _branch(plan, where, where_params, limit, tier=0)
    return [(_postings_page("first_term", tier=0), [], [limit]),
            (gate(scored[0], "NOT coalesce((SELECT usable FROM first_term), true)"),
             *scored[1:]),
            (gate(branch[0], "(SELECT id FROM first_term) IS NULL"), *branch[1:])]


def _limit(position, first: int) -> int:
    """Rows a ranked page reads: those before it, its own and one more."""
    return (position[0] if position else 0) + first + 1


def _branch(plan, where: str, where_params: list, limit: int, *,
            tier: int) -> tuple[str, list, list]:
    """Ranked matches ordered by (score, id): tier 0 = those that come first (`q.first`),
    tier 1 = the others."""
    query = "(SELECT query FROM q)" if tier else "(SELECT first FROM q)"
    score = (f"rum_ts_score(d.document, {query})" if plan.rum
             else f"ts_rank_cd(d.document, {query})")
    condition = (" AND d.document @@ (SELECT first FROM q)" if not tier else
                 " AND NOT coalesce(d.document @@ (SELECT first FROM q), false)")
    return (f"SELECT s.*, row_number() OVER () AS ord FROM (SELECT d.resource_id,"
            f" {score} AS score, NULL::text AS sort_name, {tier} AS tier"
            f" FROM search_resourcedocument d WHERE {where}{condition}"
            f" ORDER BY score DESC, d.resource_id LIMIT %s) s", where_params, [limit])


def _first_branch(plan, where: str, where_params: list, limit: int,
                  filters: SearchFilters | None) -> tuple[str, list, list]:
    """Tier 0, the matches that come first: from the RUM index in the order of `q.first`
    when it can (a finished word's matches may be many), else scored match by match."""
    # q.first is the finished word's query, or after a fallback the exact query.
    queries = [plan.first] if plan.fuzzy is None else [plan.first, plan.exact]
    scored = _branch(plan, where, where_params, limit, tier=0)
    if plan.rum and filters is not None and plan.first and not any("<->" in q for q in queries):
        return _unless_few_hits(plan, filters, (
            rum_page(query="(SELECT first FROM q)", exclude="NULL", tier=0), [],
            [limit, *filters.function_args()]), limit, tier=0)
    return scored


def _rum_orders(plan, filters: SearchFilters | None) -> bool:
    """Whether a ranked page may come in the RUM index's order. RUM's ordered scan disagrees
    with rum_ts_score on phrases (measured: a 0.547 between two 0.486): phrase queries are
    scored match by match, as with GIN."""
    return plan.rum and filters is not None and "<->" not in plan.exact


def _unless_few_hits(plan, filters: SearchFilters, rum: tuple, limit: int, *,
                     tier: int) -> tuple:
    """`rum` (a page in the RUM index's order), or with filters that leave few matches
    those matches (the `hit` CTE, already read for the facets) scored one by one: RUM's
    ordered scan scores every match of the words before the filters drop any ("office" in
    Tokyo at 1M: 258,639 scored for 7,774 kept, 308 ms), and reading the matches again
    from the index costs as much as the first time (60 ms of "office" at 1M). Scoring
    one by one costs mostly the reading of each document (de-TOASTing: 41 of 48 ms)."""
    if filters.none:
        return rum
    # By their ctids (a TID scan): by key, 7,774 index look-ups took 20 ms more.
    scored = _branch(plan, "d.ctid = ANY((SELECT array_agg(tid) FROM hit)::tid[])", [], limit,
                     tier=tier)
    return (f"({gate(rum[0], f'NOT {_FEW}')}) UNION ALL ({gate(scored[0], _FEW)})", [],
            [*rum[1], *rum[2], *scored[1], *scored[2]])


def _free(available_during, party_size, now) -> tuple[str, list]:
    """Ids of the candidates bookable for exactly `available_during` (the availability
    selector, applied to the candidate CTE)."""
    candidates = Resource.objects.filter(
        pk__in=RawSQL("SELECT resource_id FROM candidate", []))
    free = resource_list_free(period=available_during, party_size=party_size,
                              queryset=candidates, now=now)
    sql, params = free.order_by().values("pk").query.sql_with_params()
    return sql, list(params)
