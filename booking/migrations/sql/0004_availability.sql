-- Creates the availability functions of docs/availability.md:
--   booking_availability_base(ids, window, now, ignore)  open time and busy time per resource
--   booking_free_periods(ids, window, now, ignore)       free periods
--   booking_slots(ids, window, now, duration, step, anchor, party, ignore)   bookable slots
--   booking_list_free(ids, period, now, party)           resources bookable for exactly `period`
--   booking_occupancy(ids, window, now, bucket_starts, bucket_length)       open/booked time
-- PostgreSQL >= 14 (multiranges, range_agg; extract() returning numeric).
-- Needs the range_merge(anyrange) aggregate of django-range-merge (its migration 0001).
-- Read by booking/migrations/0004_availability.py; never edit: add a new file instead.
--
-- Local wall-clock times become instants with `timestamp AT TIME ZONE zone`: a time
-- skipped by a spring-forward jump takes the offset before the jump, a repeated time the
-- later instant. Intervals are converted to seconds before they are added to timestamptz
-- values, so no result depends on the session's time zone.

-- Per active resource among p_resource_ids:
--   open  = (opening time - closures) within p_window
--   busy  = blocked periods of busy bookings overlapping [lower(window), upper(window) +
--           turnaround): confirmed, or held with an expiry after p_now; not p_ignore_booking
--   bounds = [now + min_notice, now + horizon), the instants a booking may occupy
CREATE OR REPLACE FUNCTION booking_availability_base(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz,
    p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (
    resource_id bigint, timezone text, capacity int4range, turnaround interval,
    min_length interval, max_length interval, slot_step interval,
    bounds tstzrange, open tstzmultirange, busy tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE
-- JIT compiling these plans took about 1 s per call, against milliseconds to run them.
SET jit = off
AS $$
    WITH res AS MATERIALIZED (
        SELECT r.id, r.venue_id, v.timezone, r.capacity,
               extract(epoch FROM r.turnaround) * interval '1 second' AS turnaround,
               r.min_length, r.max_length, r.slot_step,
               p_now + extract(epoch FROM r.min_notice) * interval '1 second' AS earliest,
               p_now + extract(epoch FROM r.horizon) * interval '1 second' AS latest,
               (lower(p_window) AT TIME ZONE v.timezone)::date AS first_day,
               (upper(p_window) AT TIME ZONE v.timezone)::date AS last_day
        FROM booking_resource r
        JOIN booking_venue v ON v.id = r.venue_id
        WHERE r.id = ANY (p_resource_ids) AND r.is_active
    ),
    local_day AS (
        SELECT res.id, res.timezone, res.first_day + i AS day
        FROM res, generate_series(0, res.last_day - res.first_day) AS i
    ),
    special_day AS MATERIALIZED (
        SELECT DISTINCT s.resource_id, s.date
        FROM booking_specialhours s
        JOIN res ON res.id = s.resource_id
        WHERE s.date BETWEEN res.first_day AND res.last_day
    ),
    -- Special hours replace the weekly rules of their date; null hours = closed all day.
    day_hours AS (
        SELECT ld.id, ld.timezone, ld.day, s.hours
        FROM local_day ld
        JOIN booking_specialhours s ON s.resource_id = ld.id AND s.date = ld.day
        WHERE s.hours IS NOT NULL
        UNION ALL
        SELECT ld.id, ld.timezone, ld.day, o.hours
        FROM local_day ld
        JOIN booking_openinghours o
          ON o.resource_id = ld.id
         AND o.weekday = extract(isodow FROM ld.day)
         AND o.valid_during @> ld.day
        WHERE NOT EXISTS (
            SELECT 1 FROM special_day sd WHERE sd.resource_id = ld.id AND sd.date = ld.day)
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
           (coalesce(opening.open, '{}') - coalesce(closed.closed, '{}'))
               * tstzmultirange(p_window),
           coalesce(busy.busy, '{}')
    FROM res
    LEFT JOIN opening ON opening.id = res.id
    LEFT JOIN closed ON closed.id = res.id
    LEFT JOIN busy ON busy.id = res.id
$$;

-- Free = (open - busy) within the bookable bounds, per active resource.
CREATE OR REPLACE FUNCTION booking_free_periods(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz,
    p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (resource_id bigint, free tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE
-- JIT compiling these plans took about 1 s per call, against milliseconds to run them.
SET jit = off
AS $$
    SELECT base.resource_id, (base.open - base.busy) * tstzmultirange(base.bounds)
    FROM booking_availability_base(p_resource_ids, p_window, p_now, p_ignore_booking) AS base
$$;

-- Slot starts s: [s, s + duration) inside a free period, [s, s + duration + turnaround)
-- clear of busy time, on the grid of `step` from local midnight of each local date
-- (p_anchor 'midnight') or from the start of each free period ('free_start').
CREATE OR REPLACE FUNCTION booking_slots(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz, p_duration interval,
    p_step interval DEFAULT NULL, p_anchor text DEFAULT 'midnight',
    p_party_size integer DEFAULT NULL, p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (resource_id bigint, slot_start timestamptz)
LANGUAGE sql STABLE PARALLEL SAFE
-- JIT compiling these plans took about 1 s per call, against milliseconds to run them.
SET jit = off
AS $$
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
             LATERAL (SELECT (free.first_start AT TIME ZONE free.timezone)::date AS first_day,
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

-- The resources among p_resource_ids that can be booked for exactly p_period: its start
-- is a 'free_start' slot of its whole length within it.
CREATE OR REPLACE FUNCTION booking_list_free(
    p_resource_ids bigint[], p_period tstzrange, p_now timestamptz,
    p_party_size integer DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE sql STABLE PARALLEL SAFE
-- JIT compiling these plans took about 1 s per call, against milliseconds to run them.
SET jit = off
AS $$
    SELECT slot.resource_id
    FROM booking_slots(p_resource_ids, p_period, p_now, upper(p_period) - lower(p_period),
                       upper(p_period) - lower(p_period), 'free_start', p_party_size) AS slot
    WHERE slot.slot_start = lower(p_period)
$$;

-- Per resource and bucket [local midnight of a start date, local midnight bucket_length
-- later) overlapping the window: open time (opening hours minus closures), booked time
-- (periods of busy bookings within open time), and the smallest range covering those
-- booked periods (range_merge, from django-range-merge).
CREATE OR REPLACE FUNCTION booking_occupancy(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz,
    p_bucket_starts date[], p_bucket_days integer)
RETURNS TABLE (resource_id bigint, bucket_start date, open interval, booked interval,
               booked_span tstzrange)
LANGUAGE sql STABLE PARALLEL SAFE
-- JIT compiling these plans took about 1 s per call, against milliseconds to run them.
SET jit = off
AS $$
    WITH base AS (
        SELECT * FROM booking_availability_base(p_resource_ids, p_window, p_now)
    ),
    booked AS (
        SELECT base.resource_id, range_agg(b.period) AS booked
        FROM base
        JOIN booking_booking b ON b.resource_id = base.resource_id AND b.period && p_window
        WHERE b.status IN ('held', 'confirmed')
          AND (b.status = 'confirmed' OR b.hold_expires_at > p_now)
        GROUP BY base.resource_id
    ),
    bucket AS (
        SELECT base.resource_id, base.open, coalesce(booked.booked, '{}') AS booked,
               start_day,
               tstzrange(start_day::timestamp AT TIME ZONE base.timezone,
                         (start_day + p_bucket_days)::timestamp AT TIME ZONE base.timezone,
                         '[)') * p_window AS span
        FROM base
        LEFT JOIN booked ON booked.resource_id = base.resource_id
        CROSS JOIN unnest(p_bucket_starts) AS start_day
    ),
    measured AS (
        SELECT bucket.resource_id, bucket.start_day,
               bucket.open * tstzmultirange(bucket.span) AS open,
               bucket.booked * bucket.open * tstzmultirange(bucket.span) AS booked
        FROM bucket
        WHERE NOT isempty(bucket.span)
    )
    SELECT m.resource_id, m.start_day,
           (SELECT coalesce(sum(upper(r) - lower(r)), interval '0') FROM unnest(m.open) AS r),
           (SELECT coalesce(sum(upper(r) - lower(r)), interval '0') FROM unnest(m.booked) AS r),
           (SELECT range_merge(r) FROM unnest(m.booked) AS r)
    FROM measured m
    ORDER BY m.resource_id, m.start_day
$$;
