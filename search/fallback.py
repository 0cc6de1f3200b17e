"""A search whose exact query finds few matches falls back to any of its words: the `q` CTE
that decides it, and the ranking of the matches that are not exact by term rarity (BM25).
"""

from search.branches import gate, rum_page
from search.filters import COLUMNS, SearchFilters

# The exact query finding fewer matches than this brings in corrections of known words too.
FEW = 3

# Few exact matches (filters aside): the fallback query (any word), its exact matches first.
# The exact matches within the filters (`exact_hit`, which are then the matches) are read
# first: when FEW of them are there, so are FEW without the filters, and the check of
# search_fewer_matches() (which reads the words' whole postings from the index, 16 ms for
# "small people" at 1M) is not needed.
_Q_FALLBACK = """q AS MATERIALIZED (
    SELECT CASE WHEN p.fallback THEN to_tsquery('search_english', %s)
                ELSE to_tsquery('search_english', %s) END AS query,
           CASE WHEN p.fallback THEN to_tsquery('search_english', %s)
                ELSE to_tsquery('search_english', %s) END AS highlight,
           to_tsquery('search_english', %s) AS exact,
           CASE WHEN p.fallback THEN to_tsquery('search_english', %s)
                ELSE to_tsquery('search_english', %s) END AS first, p.fallback
    FROM (SELECT CASE WHEN (SELECT count(*) FROM (SELECT FROM exact_hit LIMIT %s) e) >= %s
                      THEN false
                      ELSE search_fewer_matches(to_tsquery('search_english', %s), %s) END
                 AS fallback
          OFFSET 0) p)"""


def q_cte(plan) -> tuple[str, list]:
    """The `q` CTE of a query that may fall back (after the `exact_hit` CTE), its params."""
    return _Q_FALLBACK, [plan.fuzzy, plan.exact, plan.fuzzy, plan.exact, plan.exact, plan.exact,
                        plan.first, FEW, FEW, plan.enough, FEW]


# BM25's term-frequency saturation; documents are short and weighted by field (name A,
# category/amenities/venue B, description C), so no length normalisation (b = 0).
K1 = 1.2
# A fallback scores the matches of its rare terms (in at most this many documents) and the
# best POOL (or as many as the page reads, if more) of the others by cover density
# (rarity_branch).
RARE_DOCUMENTS = 1_000
POOL = 200
# Weights of an occurrence by field, for ts_rank_cd ({D, C, B, A}): one in the description
# counts half one in the name. (ts_rank_cd's own, {0.1, 0.2, 0.4, 1.0}, would make a common
# word in a name outweigh a rare one in a description after saturation.)
FIELD_WEIGHTS = "{0.4, 0.5, 0.7, 1.0}"
# After a fallback, its one common word as a tracked term (anchor(); params: its query).
ANCHOR_CTE = """anchor AS MATERIALIZED (
    SELECT t.id FROM search_term t
    WHERE t.key = to_tsquery('search_english', %s)::text
      AND (SELECT fallback FROM q) AND (SELECT id FROM term) IS NULL)"""


def anchor(plan) -> tuple[str, str] | None:
    """After a fallback of one group of words without exclusions, each of them counted by
    the vocabulary: the query of its one common word (in more than RARE_DOCUMENTS
    documents) and that of the others, all rare; None for any other query."""
    groups = plan.parsed.groups
    if (plan.fuzzy is None or not plan.every_term_counted or len(groups) != 1
            or any(term.negated for term in groups[0])):
        return None
    common = [text for text, _, documents in plan.terms if documents > RARE_DOCUMENTS]
    rare = [text for text, _, documents in plan.terms if documents <= RARE_DOCUMENTS]
    return (common[0], " | ".join(rare)) if len(common) == 1 and rare else None


def rarity_branch(plan, where: str, where_params: list, limit: int,
                  filters: SearchFilters | None, *, anchored: bool) -> tuple[str, list, list]:
    """After a fallback, the matches that are not exact by BM25: the sum over the query's
    terms of the term's inverse document frequency times its saturated frequency in the
    document (`ts_rank_cd` of the term alone: its occurrences weighted by field).

    Scored: every match of a term in at most RARE_DOCUMENTS documents, and the first
    POOL matches (at least as many as the page reads) in cover-density order (from the RUM
    index, when there is one; `anchored`, the common word's best from its postings). So a
    fallback of common words costs a few hundred scorings, not one per match; a match with
    only common words and a poor cover density is left out (on the demo catalogue every
    term is rare by this measure: every match is scored).
    """
    terms = plan.terms or [(plan.fuzzy, 1.0, 0)]
    # (SELECT to_tsquery(...)): an InitPlan, parsed once, not once per candidate (with the
    # generic plan the text is a parameter, not a constant folded by the planner).
    rows = ", ".join([f"(%s::float8, ts_rank_cd('{FIELD_WEIGHTS}', d.document,"
                      " (SELECT to_tsquery('search_english', %s))))"] * len(terms))
    score = (f"(SELECT sum(w.idf * w.tf * {K1 + 1} / (w.tf + {K1}))"
             f" FROM (VALUES {rows}) AS w(idf, tf))::real")
    pools, pool_params = [], []
    rare = [text for text, _, documents in terms if documents <= RARE_DOCUMENTS]
    if rare:
        pools.append(f"SELECT d.resource_id FROM search_resourcedocument d"
                     f" WHERE d.document @@ to_tsquery('search_english', %s) AND {where}")
        pool_params += [" | ".join(rare), *where_params]
    if anchored:
        # The common word's best, from its postings (scored by it alone: its matches
        # without a rare word score the same by the fallback's query).
        pools.append("SELECT resource_id FROM (SELECT resource_id FROM search_termposting"
                     " WHERE term_id = (SELECT id FROM anchor)"
                     " ORDER BY score DESC, resource_id LIMIT %s) a")
        pool_params.append(max(POOL, limit))
    if plan.rum and filters is not None and "<->" not in plan.fuzzy:
        pools.append(gate(rum_page(ids_only=True), "(SELECT id FROM anchor) IS NULL")
                     if anchored else rum_page(ids_only=True))
        pool_params += [max(POOL, limit), *filters.function_args()]
    else:
        pools.append(f"SELECT resource_id FROM (SELECT d.resource_id"
                     f" FROM search_resourcedocument d WHERE {where}"
                     f" ORDER BY ts_rank_cd(d.document, (SELECT query FROM q)) DESC,"
                     f" d.resource_id LIMIT %s) c")
        pool_params += [*where_params, max(POOL, limit)]
    # Each candidate is read by its key (LATERAL, OFFSET 0 keeps it apart): as a join, the
    # planner read every match of the query to meet the few candidates. Its document is
    # taken out of TOAST once (`|| ''`, a copy in memory) for the match, the exact test and
    # each term's score, instead of once for each (219 candidates at 100k: 7.7 -> 5.9 ms).
    return (f"SELECT s.*, row_number() OVER () AS ord FROM (SELECT d.resource_id,"
            f" {score} AS score, NULL::text AS sort_name, 1 AS tier"
            f" FROM (SELECT DISTINCT resource_id FROM ({' UNION ALL '.join(pools)}) u"
            f" WHERE (SELECT fallback FROM q)) AS c"
            f" CROSS JOIN LATERAL (SELECT {COLUMNS}, d.document || ''::tsvector AS document"
            f" FROM search_resourcedocument d WHERE d.resource_id = c.resource_id OFFSET 0) AS d"
            f" WHERE {where} AND NOT d.document @@ (SELECT exact FROM q)"
            f" ORDER BY score DESC, d.resource_id LIMIT %s) s",
            [p for text, idf, _ in terms for p in (idf, text)] + pool_params + where_params,
            [limit])
