# Written by manage.py makesqlmigrations: frozen snapshots of sql/functions/ (each with
# its SHA-1). Never edit: change the living file and run the command again.

from django.db import migrations

from config.sqlfunctions import InstallSQL

SEARCH_RUM_PAGE = r'''-- search_rum_page(): the top p_limit active documents matching p_query and the filters,
-- in the RUM index's order (distance = 1 / rum_ts_score, then the index's own order of
-- equal scores), numbered from 1. Needs the rum extension; created only where it is.
-- PostgreSQL >= 14 and the rum extension (postgresql-<major>-rum); search_use_rum installs
-- it later on a database migrated without rum.
--
-- Why a function: the planner estimates `document @@ query` without knowing the query and,
-- past a LIMIT of a few hundred, prefers ranking a bitmap of all matches (reading every
-- document from TOAST) to the ordered index scan. That is slower, and it would order equal
-- scores differently, so pages continued at an offset could repeat or skip hits. Turning
-- bitmap and sequential scans off for this one query keeps the ordered index scan.
-- Filters are NULL when not used; p_exclude drops the documents it matches.
--
-- PL/pgSQL, not SQL: a SQL function with SET options is not inlined, and its body was
-- planned again by every statement that called it (0.35-0.4 ms a search at 100k). PL/pgSQL
-- keeps the plan for the session; under a search's generic plan (config/prepared.py) it is
-- generic from the first call.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'rum') THEN
        RETURN;
    END IF;
    EXECUTE $function$
    CREATE OR REPLACE FUNCTION search_rum_page(
        p_query tsquery, p_limit integer, p_categories bigint[], p_venues bigint[],
        p_cities text[], p_amenities bigint[], p_party integer, p_price_at timestamptz,
        p_max_price numeric, p_currency text, p_exclude tsquery)
    RETURNS TABLE (resource_id bigint, score real, ord bigint)
    LANGUAGE plpgsql STABLE
    SET enable_bitmapscan = off
    SET enable_seqscan = off
    AS $body$
    #variable_conflict use_column
    BEGIN
        RETURN QUERY
        SELECT ranked.resource_id, ranked.score, row_number() OVER ()
        FROM (
            SELECT d.resource_id, rum_ts_score(d.document, p_query) AS score
            FROM search_resourcedocument d
            WHERE d.document @@ p_query AND d.is_active
              AND (p_categories IS NULL OR d.category_id = ANY (p_categories))
              AND (p_venues IS NULL OR d.venue_id = ANY (p_venues))
              AND (p_cities IS NULL OR d.city = ANY (p_cities))
              AND (p_amenities IS NULL OR d.amenity_ids @> p_amenities)
              AND (p_party IS NULL OR d.capacity @> p_party)
              AND (p_max_price IS NULL OR EXISTS (
                  SELECT FROM booking_rate rt JOIN booking_venue rv ON rv.id = d.venue_id
                  WHERE rt.resource_id = d.resource_id
                    AND rt.valid_during @> (p_price_at AT TIME ZONE rv.timezone)::date
                    AND rt.price_per_hour <= p_max_price
                    AND (p_currency IS NULL OR rt.currency = p_currency)))
              AND (p_exclude IS NULL OR NOT d.document @@ p_exclude)
            ORDER BY d.document <=> p_query
            LIMIT p_limit
        ) AS ranked;
    END
    $body$
    $function$;
END
$$;
'''


class Migration(migrations.Migration):
    dependencies = [('search', '0014_document_gin_beside_rum')]

    operations = [
        InstallSQL('search_rum_page', SEARCH_RUM_PAGE,
                   sha='afd1d7827e7e6084e20370cef94dad0c39a16871', reverse='0007_sql_functions'),
    ]
