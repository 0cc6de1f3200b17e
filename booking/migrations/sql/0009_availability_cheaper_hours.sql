-- Replaces booking_list_free (0006_availability_plans.sql) with a cheaper plan; the contract
-- (docs/availability.md) is unchanged. PostgreSQL >= 14.
-- Read by booking/migrations/0009_availability_cheaper_hours.py; never edit: add a new file
-- instead.

-- The resources among p_resource_ids that can be booked for exactly p_period (the same
-- answer as a 'free_start' slot of its whole length, computed without building slots):
-- the cheap per-resource rules first, then one index scan for bookings near the period,
-- then closures, then opening hours (booking_opening_hours) for the few candidates left;
-- a candidate has no closure in the period, so its closures are not computed again.
-- PL/pgSQL with custom plans, so the last step is planned knowing how few candidates are
-- left.
CREATE OR REPLACE FUNCTION booking_list_free(
    p_resource_ids bigint[], p_period tstzrange, p_now timestamptz,
    p_party_size integer DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_candidates bigint[];
BEGIN
    WITH res AS MATERIALIZED (
        SELECT r.id, r.venue_id,
               extract(epoch FROM r.turnaround) * interval '1 second' AS turnaround
        FROM (SELECT DISTINCT unnest(p_resource_ids) AS id) AS wanted
        JOIN booking_resource r ON r.id = wanted.id
        WHERE r.is_active
          AND (p_party_size IS NULL OR r.capacity @> p_party_size)
          AND upper(p_period) - lower(p_period) BETWEEN r.min_length AND r.max_length
          AND lower(p_period) >= p_now + extract(epoch FROM r.min_notice) * interval '1 second'
          AND upper(p_period) <= p_now + extract(epoch FROM r.horizon) * interval '1 second'
    ),
    near AS MATERIALIZED (
        -- Busy bookings of any resource near the period (booking_blocked_active index);
        -- each resource's own turnaround is applied below.
        SELECT b.resource_id, b.blocked
        FROM booking_booking b
        WHERE b.blocked && tstzrange(lower(p_period),
                                     upper(p_period) + (SELECT max(turnaround) FROM res), '[)')
          AND b.status IN ('held', 'confirmed')
          AND (b.status = 'confirmed' OR b.hold_expires_at > p_now)
    ),
    closure AS MATERIALIZED (
        SELECT c.resource_id, c.venue_id FROM booking_closure c WHERE c.period && p_period
    )
    SELECT array_agg(res.id) INTO v_candidates
    FROM res
    WHERE NOT EXISTS (
            SELECT 1 FROM near
            WHERE near.resource_id = res.id
              AND near.blocked && tstzrange(lower(p_period),
                                            upper(p_period) + res.turnaround, '[)'))
      -- Two equality tests rather than one OR, so each can be a hashed anti-join.
      AND NOT EXISTS (SELECT 1 FROM closure WHERE closure.resource_id = res.id)
      AND NOT EXISTS (SELECT 1 FROM closure WHERE closure.venue_id = res.venue_id);

    -- Opening hours only: a candidate has no closure in the period, so it is free iff
    -- its hours cover the period.
    RETURN QUERY
        SELECT op.resource_id
        FROM booking_opening_hours(v_candidates, p_period) AS op
        WHERE op.open @> p_period;
END
$$;
