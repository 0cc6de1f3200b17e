-- The instants within `window` when the resource is open by its hours (the services'
-- check; the same expansion as availability's).
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_opening_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT h.open FROM booking_opening_hours(ARRAY[p_resource_id], p_window) AS h),
                    '{}')
$$;
