-- The instants within `window` when the resource is closed by a closure of its own or of
-- its venue.
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_closed_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT c.closed
                     FROM booking_closed_periods(ARRAY[p_resource_id], p_window) AS c),
                    '{}')
$$;
