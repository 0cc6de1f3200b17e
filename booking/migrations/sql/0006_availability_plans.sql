-- Replaces the availability functions of 0004_availability.sql with faster plans; the
-- contract (docs/availability.md) is unchanged. PostgreSQL >= 14.
-- Read by booking/migrations/0006_availability_plans.py; never edit: add a new file instead.
--
-- Why: 0004's functions carried `SET jit = off`, which stops PostgreSQL from inlining a SQL
-- function into the calling query; not inlined, its body was planned with unknown
-- parameters (an id array of "10 rows", days of "1000 rows") and scanned every opening
-- rule. Inlined, the body is planned with the caller's values. JIT is now switched off for
-- the application's sessions instead (config/settings/base.py), since compiling these
-- plans took about a second.
--
-- New: booking_open_periods(ids, window), the opening time minus closures, shared by the
-- others; weekly rules are joined to local dates on (resource, weekday), through an index; booking_list_free and booking_occupancy are set-based.

-- Per resource among p_resource_ids (active or not): (opening time - closures) in p_window.
CREATE OR REPLACE FUNCTION booking_open_periods(p_resource_ids bigint[], p_window tstzrange)
RETURNS TABLE (resource_id bigint, open tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH res AS MATERIALIZED (
        SELECT r.id, r.venue_id, v.timezone,
               -- From the date before: where midnight repeats (America/Havana), its
               -- 24:00 is the later midnight, past the start of the next date.
               (lower(p_window) AT TIME ZONE v.timezone)::date - 1 AS first_day,
               (upper(p_window) AT TIME ZONE v.timezone)::date AS last_day
        FROM (SELECT DISTINCT unnest(p_resource_ids) AS id) AS wanted
        JOIN booking_resource r ON r.id = wanted.id
        JOIN booking_venue v ON v.id = r.venue_id
    ),
    special AS (
        SELECT s.resource_id AS id, s.date AS day, s.hours
        FROM res
        JOIN booking_specialhours s
          ON s.resource_id = res.id AND s.date BETWEEN res.first_day AND res.last_day
    ),
    local_day AS (
        SELECT res.id, res.timezone, res.first_day + i AS day,
               extract(isodow FROM res.first_day + i)::int AS weekday
        FROM res, generate_series(0, res.last_day - res.first_day) AS i
    ),
    -- The weekly rules of each local date (an equality join on resource and weekday).
    rule_day AS (
        SELECT ld.id, ld.timezone, ld.day, o.hours
        FROM local_day ld
        JOIN booking_openinghours o
          ON o.resource_id = ld.id AND o.weekday = ld.weekday AND o.valid_during @> ld.day
    ),
    -- Special hours replace the weekly rules of their date; null hours = closed all day.
    day_hours AS (
        SELECT rd.id, rd.timezone, rd.day, rd.hours
        FROM rule_day rd
        WHERE NOT EXISTS (SELECT 1 FROM booking_specialhours s
                          WHERE s.resource_id = rd.id AND s.date = rd.day)
        UNION ALL
        SELECT sp.id, res.timezone, sp.day, sp.hours
        FROM special sp
        JOIN res ON res.id = sp.id
        WHERE sp.hours IS NOT NULL
    ),
    opening AS (
        SELECT id, range_agg(tstzrange(opens, greatest(opens, closes), '[)')) AS open
        FROM (
            SELECT id,
                   (day + lower(hours) * interval '1 minute') AT TIME ZONE timezone AS opens,
                   (day + upper(hours) * interval '1 minute') AT TIME ZONE timezone AS closes
            FROM day_hours
        ) AS local_hours
        GROUP BY id
    ),
    closed AS (
        SELECT id, range_agg(period) AS closed
        FROM (
            SELECT res.id, c.period
            FROM res JOIN booking_closure c ON c.resource_id = res.id AND c.period && p_window
            UNION ALL
            SELECT res.id, c.period
            FROM res JOIN booking_closure c ON c.venue_id = res.venue_id AND c.period && p_window
        ) AS closures
        GROUP BY id
    )
    SELECT res.id,
           (coalesce(opening.open, '{}') - coalesce(closed.closed, '{}'))
               * tstzmultirange(p_window)
    FROM res
    LEFT JOIN opening ON opening.id = res.id
    LEFT JOIN closed ON closed.id = res.id
$$;

-- Per active resource: its rules, open time in p_window, busy time (blocked periods of
-- confirmed bookings and of holds expiring after p_now, except p_ignore_booking) over
-- [lower(window), upper(window) + turnaround), and the bookable bounds
-- [now + min_notice, now + horizon).
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

-- Unchanged but for the SET clause (see the top of this file).
CREATE OR REPLACE FUNCTION booking_free_periods(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz,
    p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (resource_id bigint, free tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT base.resource_id, (base.open - base.busy) * tstzmultirange(base.bounds)
    FROM booking_availability_base(p_resource_ids, p_window, p_now, p_ignore_booking) AS base
$$;

-- Unchanged but for the SET clause.
CREATE OR REPLACE FUNCTION booking_slots(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz, p_duration interval,
    p_step interval DEFAULT NULL, p_anchor text DEFAULT 'midnight',
    p_party_size integer DEFAULT NULL, p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (resource_id bigint, slot_start timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH eligible AS (
        SELECT base.*,
               extract(epoch FROM coalesce(p_step, base.slot_step)) AS step_seconds,
               extract(epoch FROM p_duration) * interval '1 second' AS duration
        FROM booking_availability_base(p_resource_ids, p_window, p_now, p_ignore_booking) AS base
        WHERE (p_party_size IS NULL OR base.capacity @> p_party_size)
          AND p_duration BETWEEN base.min_length AND base.max_length
    ),
    free AS (
        -- The last start of each free period: the slot must end inside it, and its
        -- turnaround must end before the next busy period begins (least() skips NULL).
        SELECT e.resource_id, e.timezone, e.step_seconds, lower(f) AS first_start,
               least(upper(f) - e.duration,
                     (SELECT min(lower(b)) FROM unnest(e.busy) AS b WHERE lower(b) >= upper(f))
                     - e.duration - e.turnaround) AS last_start
        FROM eligible e, unnest((e.open - e.busy) * tstzmultirange(e.bounds)) AS f
    ),
    grid_from AS (
        -- (anchor, from, to): starts anchor + k * step within [from, to].
        SELECT free.resource_id, free.step_seconds, free.first_start AS anchor,
               free.first_start AS start_from, free.last_start AS start_to
        FROM free
        WHERE p_anchor = 'free_start'
        UNION ALL
        SELECT free.resource_id, free.step_seconds, midnight.at,
               greatest(free.first_start, midnight.at),
               least(free.last_start, midnight.next_at - interval '1 microsecond')
        FROM free,
             -- From the date before, whose grid reaches past a repeated midnight.
             LATERAL (SELECT (free.first_start AT TIME ZONE free.timezone)::date - 1
                                 AS first_day,
                             (free.last_start AT TIME ZONE free.timezone)::date AS last_day)
                 AS days,
             generate_series(0, days.last_day - days.first_day) AS i,
             LATERAL (SELECT (days.first_day + i)::timestamp AT TIME ZONE free.timezone AS at,
                             (days.first_day + i + 1)::timestamp AT TIME ZONE free.timezone
                                 AS next_at)
                 AS midnight
        WHERE p_anchor = 'midnight' AND free.first_start <= free.last_start
    )
    SELECT g.resource_id, s
    FROM grid_from g,
         generate_series(
             g.anchor + ceil(extract(epoch FROM g.start_from - g.anchor) / g.step_seconds)
                        * g.step_seconds * interval '1 second',
             g.start_to,
             g.step_seconds * interval '1 second') AS s
    WHERE g.start_from <= g.start_to
    ORDER BY g.resource_id, s
$$;

-- The resources among p_resource_ids that can be booked for exactly p_period (the same
-- answer as a 'free_start' slot of its whole length, computed without building slots):
-- the cheap per-resource rules first, then one index scan for bookings near the period,
-- then closures, then opening time for the few candidates left. PL/pgSQL with custom
-- plans, so the last step is planned knowing how few candidates are left.
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

    RETURN QUERY
        SELECT op.resource_id
        FROM booking_open_periods(v_candidates, p_period) AS op
        WHERE op.open @> p_period;
END
$$;

-- Per resource and bucket [local midnight of a start date, local midnight p_bucket_days
-- later) overlapping the window: open time (opening hours minus closures), booked time
-- (periods of busy bookings within open time), and the smallest range covering the booked
-- time (range_merge, from django-range-merge). Lengths are summed over the pieces of each
-- multirange joined to the buckets they overlap.
CREATE OR REPLACE FUNCTION booking_occupancy(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz,
    p_bucket_starts date[], p_bucket_days integer)
RETURNS TABLE (resource_id bigint, bucket_start date, open interval, booked interval,
               booked_span tstzrange)
-- PL/pgSQL with custom plans: the bucket dates arrive as ARRAY(SELECT ...) from
-- django-generate-series, and a SQL function with a sub-select argument is not inlined.
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET plan_cache_mode = force_custom_plan
AS $$
#variable_conflict use_column
BEGIN
    RETURN QUERY

    WITH res AS MATERIALIZED (
        SELECT r.id, v.timezone
        -- A join, not `id = ANY (array)`: that tests every row against the whole array.
        FROM (SELECT DISTINCT unnest(p_resource_ids) AS id) AS wanted
        JOIN booking_resource r ON r.id = wanted.id
        JOIN booking_venue v ON v.id = r.venue_id
        WHERE r.is_active
    ),
    bucket AS MATERIALIZED (
        SELECT res.id, start_day,
               tstzrange(start_day::timestamp AT TIME ZONE res.timezone,
                         (start_day + p_bucket_days)::timestamp AT TIME ZONE res.timezone,
                         '[)') * p_window AS span
        FROM res CROSS JOIN unnest(p_bucket_starts) AS start_day
    ),
    open AS MATERIALIZED (
        SELECT * FROM booking_open_periods(p_resource_ids, p_window)
    ),
    open_piece AS (
        SELECT open.resource_id AS id, piece FROM open, unnest(open.open) AS piece
    ),
    booked_piece AS (
        SELECT b.id, piece
        FROM (
            SELECT b.resource_id AS id, range_agg(b.period) AS booked
            FROM booking_booking b
            WHERE b.resource_id = ANY (p_resource_ids)
              AND b.period && p_window
              AND b.status IN ('held', 'confirmed')
              AND (b.status = 'confirmed' OR b.hold_expires_at > p_now)
            GROUP BY b.resource_id
        ) AS b
        JOIN open ON open.resource_id = b.id,
        unnest(b.booked * open.open) AS piece
    ),
    open_total AS (
        SELECT bk.id, bk.start_day, sum(upper(x) - lower(x)) AS open
        FROM bucket bk
        JOIN open_piece op ON op.id = bk.id AND op.piece && bk.span,
        LATERAL (SELECT op.piece * bk.span AS x) AS part
        GROUP BY bk.id, bk.start_day
    ),
    booked_total AS (
        SELECT bk.id, bk.start_day, sum(upper(x) - lower(x)) AS booked, range_merge(x) AS span
        FROM bucket bk
        JOIN booked_piece bp ON bp.id = bk.id AND bp.piece && bk.span,
        LATERAL (SELECT bp.piece * bk.span AS x) AS part
        GROUP BY bk.id, bk.start_day
    )
    SELECT bk.id, bk.start_day, coalesce(ot.open, interval '0'),
           coalesce(bt.booked, interval '0'), bt.span
    FROM bucket bk
    LEFT JOIN open_total ot ON ot.id = bk.id AND ot.start_day = bk.start_day
    LEFT JOIN booked_total bt ON bt.id = bk.id AND bt.start_day = bk.start_day
    WHERE NOT isempty(bk.span)
    ORDER BY bk.id, bk.start_day;
END
$$;
