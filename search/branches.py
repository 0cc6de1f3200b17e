"""Page branches shared by search/statement.py and search/fallback.py: a branch run only
when a condition holds, and search_rum_page() as a branch."""


def gate(branch: str, condition: str) -> str:
    """`branch` run only when `condition` (a one-time filter) holds."""
    return f"SELECT * FROM ({branch}) g WHERE {condition}"


def rum_page(*, query: str = "(SELECT query FROM q)", exclude: str = "(SELECT first FROM q)",
             tier: int = 1, ids_only: bool = False) -> str:
    """search_rum_page() as a page branch (or, `ids_only`, its resource ids): the matches
    of `query` but `exclude`'s in the RUM index's order; params: limit, then the filters."""
    columns = ("p.resource_id" if ids_only
               else f"p.resource_id, p.score, NULL::text AS sort_name, {tier} AS tier, p.ord")
    return f"""SELECT {columns}
    FROM search_rum_page({query}, %s, %s::bigint[], %s::bigint[], %s::text[],
                         %s::bigint[], %s::integer, %s::timestamptz, %s::numeric, %s::text,
                         {exclude}) p"""
