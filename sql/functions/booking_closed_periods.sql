-- Per resource among p_resource_ids that has any: the closures of it and of its venue
-- within p_window.
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_closed_periods(p_resource_ids bigint[], p_window tstzrange)
RETURNS TABLE (resource_id bigint, closed tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH res AS MATERIALIZED (
        SELECT r.id, r.venue_id
        FROM (SELECT DISTINCT unnest(p_resource_ids) AS id) AS wanted
        JOIN booking_resource r ON r.id = wanted.id
    )
    SELECT id, range_agg(period) * tstzmultirange(p_window)
    FROM (
        SELECT res.id, c.period
        FROM res JOIN booking_closure c ON c.resource_id = res.id AND c.period && p_window
        UNION ALL
        SELECT res.id, c.period
        FROM res JOIN booking_closure c ON c.venue_id = res.venue_id AND c.period && p_window
    ) AS closures
    GROUP BY id
$$;
