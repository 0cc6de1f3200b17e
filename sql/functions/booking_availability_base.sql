-- Per active resource: its rules, open time in p_window, busy time (blocked periods of
-- confirmed bookings and of holds expiring after p_now, except p_ignore_booking) over
-- [lower(window), upper(window) + turnaround), and the bookable bounds
-- [now + min_notice, now + horizon).
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_availability_base(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz,
    p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (
    resource_id bigint, timezone text, capacity int4range, turnaround interval,
    min_length interval, max_length interval, slot_step interval,
    bounds tstzrange, open tstzmultirange, busy tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH res AS MATERIALIZED (
        SELECT r.id, v.timezone, r.capacity,
               extract(epoch FROM r.turnaround) * interval '1 second' AS turnaround,
               r.min_length, r.max_length, r.slot_step,
               p_now + extract(epoch FROM r.min_notice) * interval '1 second' AS earliest,
               p_now + extract(epoch FROM r.horizon) * interval '1 second' AS latest
        -- A join, not `id = ANY (array)`: that tests every row against the whole array.
        FROM (SELECT DISTINCT unnest(p_resource_ids) AS id) AS wanted
        JOIN booking_resource r ON r.id = wanted.id
        JOIN booking_venue v ON v.id = r.venue_id
        WHERE r.is_active
    ),
    busy AS (
        SELECT res.id, range_agg(b.blocked) AS busy
        FROM res
        JOIN booking_booking b
          ON b.resource_id = res.id
         AND b.blocked && tstzrange(lower(p_window), upper(p_window) + res.turnaround, '[)')
        WHERE b.status IN ('held', 'confirmed')
          AND (b.status = 'confirmed' OR b.hold_expires_at > p_now)
          AND b.id IS DISTINCT FROM p_ignore_booking
        GROUP BY res.id
    )
    SELECT res.id, res.timezone, res.capacity, res.turnaround,
           res.min_length, res.max_length, res.slot_step,
           CASE WHEN res.earliest < res.latest
                THEN tstzrange(res.earliest, res.latest, '[)') ELSE 'empty' END,
           coalesce(op.open, '{}'),
           coalesce(busy.busy, '{}')
    FROM res
    -- The ids as given, not ARRAY(SELECT ...): PostgreSQL does not inline a function
    -- whose arguments hold a sub-select.
    LEFT JOIN booking_open_periods(p_resource_ids, p_window) AS op
           ON op.resource_id = res.id
    LEFT JOIN busy ON busy.id = res.id
$$;
