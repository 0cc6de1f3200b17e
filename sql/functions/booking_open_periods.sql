-- Per resource among p_resource_ids (active or not): (opening time - closures) in p_window.
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_open_periods(p_resource_ids bigint[], p_window tstzrange)
RETURNS TABLE (resource_id bigint, open tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT h.resource_id, h.open - coalesce(c.closed, '{}')
    FROM booking_opening_hours(p_resource_ids, p_window) AS h
    LEFT JOIN booking_closed_periods(p_resource_ids, p_window) AS c
           ON c.resource_id = h.resource_id
$$;
