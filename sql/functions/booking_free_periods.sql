-- booking_free_periods(): per active resource, its free time in p_window as a
-- tstzmultirange (opening time minus closures and busy periods, within notice and
-- horizon).
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_free_periods(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz,
    p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (resource_id bigint, free tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT base.resource_id, (base.open - base.busy) * tstzmultirange(base.bounds)
    FROM booking_availability_base(p_resource_ids, p_window, p_now, p_ignore_booking) AS base
$$;
