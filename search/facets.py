"""The facet counts of a search (category, city, amenity) and their total: the `facet` CTE
of search/statement.py, counted over the `hit` CTE or read from a tracked term, and the
columns that turn it into the answer's lists.
"""

# Facet counts in one pass over the matches: one hash table per grouping set. Amenities are
# counted per distinct set of amenities first, which repeat, and only then per amenity.
FACET_CTE = """facet AS MATERIALIZED (
    SELECT category_id, city, amenity_ids, GROUPING(category_id, city, amenity_ids) AS kind,
           count(*)::integer AS n  -- sum(integer) adds in bigint; sum(bigint) in numeric
    FROM hit GROUP BY GROUPING SETS ((category_id), (city), (amenity_ids)))"""
CATEGORY_SET, CITY_SET, AMENITY_SET = 3, 5, 6  # GROUPING() bits of the other columns
_TERM_FACETS = f"""SELECT CASE f.kind WHEN 1 THEN f.value::bigint END AS category_id,
           CASE f.kind WHEN 2 THEN f.value END AS city,
           CASE f.kind WHEN 3 THEN ARRAY[f.value::bigint] END AS amenity_ids,
           CASE f.kind WHEN 1 THEN {CATEGORY_SET} WHEN 2 THEN {CITY_SET}
                ELSE {AMENITY_SET} END AS kind,
           f.documents AS n
    FROM search_termfacet f
    WHERE f.term_id IN ((SELECT id FROM term), {{anchor}}) AND f.kind > 0"""
_COUNTED_FACETS = """SELECT category_id, city, amenity_ids,
           GROUPING(category_id, city, amenity_ids), count(*)::integer
    FROM {rows} WHERE {gate}
    GROUP BY GROUPING SETS ((category_id), (city), (amenity_ids))"""
TRACKED_FACET_CTE = f"""facet AS MATERIALIZED (
    {_TERM_FACETS.format(anchor="NULL")}
    UNION ALL
    {_COUNTED_FACETS.format(rows="hit", gate="(SELECT id FROM term) IS NULL")})"""
# After a fallback whose one common word is a tracked term (search/fallback.py's `anchor`
# CTE): its facet counts plus those of the documents with a rare word but not the common
# one (params: the rare words' query, the common word's).
ANCHORED_FACET_CTE = f"""facet AS MATERIALIZED (
    {_TERM_FACETS.format(anchor="(SELECT id FROM anchor)")}
    UNION ALL
    {_COUNTED_FACETS.format(
        rows="hit", gate="(SELECT id FROM term) IS NULL AND (SELECT id FROM anchor) IS NULL")}
    UNION ALL
    {_COUNTED_FACETS.format(
        rows="search_resourcedocument d", gate="(SELECT id FROM anchor) IS NOT NULL"
        " AND d.document @@ to_tsquery('search_english', %s)"
        " AND NOT d.document @@ to_tsquery('search_english', %s) AND d.is_active")})"""
# A category, city or amenity may have two counts (ANCHORED_FACET_CTE): they are added.
FACETS = f"""
    (SELECT coalesce(sum(n), 0) FROM facet WHERE kind = {CATEGORY_SET}),
    (SELECT json_agg(json_build_array(c.id, c.name, f.n) ORDER BY f.n DESC, c.name)
     FROM (SELECT category_id AS id, sum(n) AS n FROM facet WHERE kind = {CATEGORY_SET}
           GROUP BY category_id) f
     JOIN booking_category c ON c.id = f.id),
    (SELECT json_agg(json_build_array(f.city, f.n) ORDER BY f.n DESC, f.city)
     FROM (SELECT city, sum(n) AS n FROM facet WHERE kind = {CITY_SET} GROUP BY city) f),
    (SELECT json_agg(json_build_array(a.id, a.name, f.n) ORDER BY f.n DESC, a.name)
     FROM (SELECT id, sum(n) AS n
           FROM (SELECT unnest(amenity_ids) AS id, n FROM facet WHERE kind = {AMENITY_SET}) u
           GROUP BY id) f
     JOIN booking_amenity a ON a.id = f.id)"""
