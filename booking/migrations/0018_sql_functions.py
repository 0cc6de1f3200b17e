# Written by manage.py makesqlmigrations: frozen snapshots of sql/functions/ (each with
# its SHA-1). Never edit: change the living file and run the command again.
#
# The first snapshots: the RunSQL migrations before this one installed these same
# definitions (checked on a fresh database and on rangebook and rangebook_bench), so
# unapplying this migration keeps them (reverse='keep').

from django.db import migrations

from config.sqlfunctions import InstallSQL

BOOKING_AVAILABILITY_BASE = r'''-- Per active resource: its rules, open time in p_window, busy time (blocked periods of
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
'''

BOOKING_CLOSED_PERIODS = r'''-- Per resource among p_resource_ids that has any: the closures of it and of its venue
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
'''

BOOKING_CLOSED_TIME = r'''-- The instants within `window` when the resource is closed by a closure of its own or of
-- its venue.
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_closed_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT c.closed
                     FROM booking_closed_periods(ARRAY[p_resource_id], p_window) AS c),
                    '{}')
$$;
'''

BOOKING_FREE_PERIODS = r'''-- booking_free_periods(): per active resource, its free time in p_window as a
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
'''

BOOKING_LIST_FREE = r'''-- booking_list_free(): the ids of the resources among p_resource_ids that can be booked
-- for all of p_period (docs/availability.md).
-- PostgreSQL >= 14 (multiranges, range_agg).
--
-- Why: expanding the hours of some 8,000 candidates into periods (booking_opening_hours)
-- was most of the cost of "free during" over all resources. Where the wall clock of the
-- venue's time zone runs evenly around the period, "is [s, e) inside the open time" is a
-- question about minutes that one join answers.
--
-- The fast path, per time zone (not per resource). Let d be the local date of s and a its
-- minute, and e be minute b of the local date d2 (b = 1440 when e is midnight after d2),
-- d2 = d or d + 1. It applies when s and e fall on whole local minutes that convert back
-- to s and e (not the first of a repeated time), and the UTC offset is the same at every
-- local hour from midnight of d - 1 to midnight after d2. Then each of these dates'
-- hours are their minutes shifted by one offset: date d - 1 (expanded, see
-- booking_opening_hours) ends by midnight of d <= s, the date after d2 starts at or after
-- e, and the dates d..d2 cover [s, e) iff, on each of them, its hours (special hours of
-- the date if it has any row, else its weekly rules valid on the date) cover that date's
-- part of [a, b). Rules of a date cannot overlap (openinghours_no_overlap), nor can
-- special hours (specialhours_no_overlap), so covering means the lengths of their
-- intersections with the part add up to its length; adjacent ranges join as merged
-- periods do (a rule ending at 1440 and the next date's rule from 0). Offsets are checked
-- hourly: no time zone changes its offset and back within one hour.
-- Other time zones (a DST night, a longer period, seconds) go through the exact expansion.
--
-- Everything else: the cheap per-resource rules (active, capacity, length,
-- notice and horizon containing the period), busy bookings near the period with each
-- resource's turnaround, closures of the resource and of its venue.
--
-- Why: with nested loops off, the planner merge-joined every rule of each candidate (all
-- weekdays, about 65,000 rows re-read) or hashed all 68,000 rules. Now merge joins are off
-- too for large inputs, and only the rules of the weekdays of the period are read into
-- the hash.
CREATE OR REPLACE FUNCTION booking_list_free(
    p_resource_ids bigint[], p_period tstzrange, p_now timestamptz,
    p_party_size integer DEFAULT NULL)
RETURNS SETOF bigint
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET plan_cache_mode = force_custom_plan
SET enable_nestloop = on
SET enable_mergejoin = on
AS $$
BEGIN
    -- Row estimates of the CTEs below are far too low for thousands of resources, which
    -- makes the planner probe the opening hours' GiST index once per candidate (about
    -- 6 µs each), or merge-join all rules of each candidate after sorting; hash joins are
    -- several times faster there. Both restored on return (SET clauses above).
    IF cardinality(p_resource_ids) > 1000 THEN
        PERFORM set_config('enable_nestloop', 'off', true);
        PERFORM set_config('enable_mergejoin', 'off', true);
    END IF;
    RETURN QUERY
    WITH res AS MATERIALIZED (
        SELECT r.id, r.venue_id, v.timezone,
               extract(epoch FROM r.turnaround) * interval '1 second' AS turnaround
        FROM booking_resource r
        JOIN booking_venue v ON v.id = r.venue_id
        -- A hashed lookup in the (constant) array: no unnest, sort or join.
        WHERE r.id = ANY (p_resource_ids)
          AND r.is_active
          AND (p_party_size IS NULL OR r.capacity @> p_party_size)
          AND upper(p_period) - lower(p_period) BETWEEN r.min_length AND r.max_length
          -- Elapsed seconds on both sides (no interval arithmetic per row).
          AND extract(epoch FROM lower(p_period) - p_now) >= extract(epoch FROM r.min_notice)
          AND extract(epoch FROM upper(p_period) - p_now) <= extract(epoch FROM r.horizon)
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
    ),
    -- Not busy and not closed: free iff the opening hours cover the period.
    cand AS MATERIALIZED (
        SELECT res.id, res.timezone
        FROM res
        WHERE NOT EXISTS (
                SELECT 1 FROM near
                WHERE near.resource_id = res.id
                  AND near.blocked && tstzrange(lower(p_period),
                                                upper(p_period) + res.turnaround, '[)'))
          -- Two equality tests rather than one OR, so each can be a hashed anti-join.
          AND NOT EXISTS (SELECT 1 FROM closure WHERE closure.resource_id = res.id)
          AND NOT EXISTS (SELECT 1 FROM closure WHERE closure.venue_id = res.venue_id)
    ),
    zone_local AS (
        SELECT z.timezone, l.first_day, l.start_minute, l.local_end,
               (l.local_end - interval '1 microsecond')::date AS last_day
        FROM (SELECT DISTINCT res.timezone FROM res) AS z,
             LATERAL (SELECT (lower(p_period) AT TIME ZONE z.timezone)::date AS first_day,
                             extract(epoch FROM (lower(p_period) AT TIME ZONE z.timezone)
                                                - (lower(p_period) AT TIME ZONE z.timezone)::date)
                                 / 60 AS start_minute,
                             upper(p_period) AT TIME ZONE z.timezone AS local_end) AS l
    ),
    zone AS MATERIALIZED (
        SELECT zl.timezone, zl.first_day, zl.last_day,
               zl.start_minute::integer AS start_minute,
               (extract(epoch FROM zl.local_end - zl.last_day) / 60)::integer AS end_minute,
               zl.last_day - zl.first_day <= 1
               AND zl.start_minute = trunc(zl.start_minute)
               AND extract(second FROM zl.local_end) = 0
               AND (zl.first_day + zl.start_minute * interval '1 minute')
                       AT TIME ZONE zl.timezone = lower(p_period)
               AND zl.local_end AT TIME ZONE zl.timezone = upper(p_period)
               AND NOT EXISTS (
                   SELECT 1
                   FROM generate_series(0, 24 * (zl.last_day - zl.first_day + 2)) AS k
                   WHERE (zl.first_day - 1 + k * interval '1 hour') AT TIME ZONE zl.timezone
                         <> ((zl.first_day - 1)::timestamp AT TIME ZONE zl.timezone)
                            + k * interval '1 hour') AS fast
        FROM zone_local AS zl
    ),
    -- The local dates of the period in each fast time zone, with their minutes in it.
    zone_day AS MATERIALIZED (
        SELECT z.timezone, z.first_day AS day,
               extract(isodow FROM z.first_day)::integer AS weekday,
               int4range(z.start_minute,
                         CASE WHEN z.last_day = z.first_day THEN z.end_minute ELSE 1440 END)
                   AS need
        FROM zone z WHERE z.fast
        UNION ALL
        SELECT z.timezone, z.last_day, extract(isodow FROM z.last_day)::integer,
               int4range(0, z.end_minute)
        FROM zone z WHERE z.fast AND z.last_day > z.first_day
    ),
    fast_day AS (
        SELECT c.id, zd.day, zd.weekday, zd.need
        FROM cand c JOIN zone_day zd ON zd.timezone = c.timezone
    ),
    special_day AS MATERIALIZED (
        SELECT s.resource_id, s.date, s.hours
        FROM booking_specialhours s
        WHERE s.date IN (SELECT zd.day FROM zone_day zd)
    ),
    -- Minutes of each date's part covered by its hours.
    covered AS (
        SELECT fd.id, upper(o.hours * fd.need) - lower(o.hours * fd.need) AS minutes
        FROM fast_day fd
        JOIN booking_openinghours o
          ON o.resource_id = fd.id AND o.weekday = fd.weekday
         AND o.valid_during @> fd.day AND o.hours && fd.need
         -- A filter of the scan: only the rules of the one or two weekdays concerned are
         -- hashed (about 10,000 of 68,000 on the benchmark data).
         AND o.weekday = ANY (ARRAY(SELECT zd.weekday FROM zone_day zd))
        WHERE NOT EXISTS (SELECT 1 FROM special_day sd
                          WHERE sd.resource_id = fd.id AND sd.date = fd.day)
        UNION ALL
        SELECT fd.id, upper(sd.hours * fd.need) - lower(sd.hours * fd.need)
        FROM fast_day fd
        JOIN special_day sd
          ON sd.resource_id = fd.id AND sd.date = fd.day AND sd.hours && fd.need
    )
    SELECT covered.id
    FROM covered
    GROUP BY covered.id
    -- The parts' lengths add up to the period's (no offset change on the fast path).
    HAVING sum(covered.minutes) = extract(epoch FROM upper(p_period) - lower(p_period)) / 60
    UNION ALL
    -- The exact expansion for the other time zones.
    SELECT op.resource_id
    FROM booking_opening_hours(
             ARRAY(SELECT c.id FROM cand c JOIN zone z ON z.timezone = c.timezone
                   WHERE z.fast IS NOT TRUE),
             p_period) AS op
    WHERE op.open @> p_period;
END
$$;
'''

BOOKING_NEW_REFERENCE = r'''-- booking_new_reference(): a new public booking code such as RB-7K3M9QXP.
-- PostgreSQL >= 13 (gen_random_uuid in core).
-- Eight characters from 31 unambiguous symbols (no 0/O, 1/I/L): about 8.5e11 codes.
-- gen_random_uuid() draws from a strong random source, so codes are not guessable.
CREATE OR REPLACE FUNCTION booking_new_reference() RETURNS text
LANGUAGE sql VOLATILE PARALLEL SAFE AS $$
    SELECT 'RB-' || string_agg(
        substr('23456789ABCDEFGHJKMNPQRSTUVWXYZ',
               get_byte(uuid_send(gen_random_uuid()), 0) % 31 + 1, 1), '')
    FROM generate_series(1, 8)
$$;
'''

BOOKING_OCCUPANCY = r'''-- booking_occupancy(): per resource and bucket of p_bucket_days days from each of
-- p_bucket_starts, its open and booked time (occupancy reports).
-- PostgreSQL >= 14 (multiranges, range_agg).
--
-- Each bucket intersects the resource's open and booked multiranges once (not every
-- booked piece joined to every bucket: 24,000 range tests for 100 resources over 30 days).
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
               tstzmultirange(
                   tstzrange(start_day::timestamp AT TIME ZONE res.timezone,
                             (start_day + p_bucket_days)::timestamp AT TIME ZONE res.timezone,
                             '[)') * p_window) AS span
        FROM res CROSS JOIN unnest(p_bucket_starts) AS start_day
    ),
    -- Per resource: open time (opening hours - closures) and the booked part of it, each
    -- one multirange over the window.
    resource_time AS MATERIALIZED (
        SELECT open.resource_id AS id, open.open, b.booked * open.open AS booked
        FROM booking_open_periods(p_resource_ids, p_window) AS open
        LEFT JOIN (
            -- One bitmap scan of booking_resource_period (resource_id, period).
            SELECT b.resource_id, range_agg(b.period) AS booked
            FROM booking_booking b
            WHERE b.resource_id = ANY (p_resource_ids)
              AND b.period && p_window
              AND b.status IN ('held', 'confirmed')
              AND (b.status = 'confirmed' OR b.hold_expires_at > p_now)
            GROUP BY b.resource_id
        ) AS b ON b.resource_id = open.resource_id
    )
    -- Per bucket, one multirange intersection each (in C, a merge of two sorted lists)
    -- instead of testing every piece of the resource against every bucket. The span of
    -- the booked time is django-range-merge's range_merge aggregate over the pieces
    -- (NULL without any).
    SELECT bk.id, bk.start_day,
           coalesce(o.open, interval '0'), coalesce(bt.booked, interval '0'), bt.span
    FROM bucket bk
    LEFT JOIN resource_time t ON t.id = bk.id
    CROSS JOIN LATERAL (SELECT sum(upper(x) - lower(x)) AS open
                        FROM unnest(t.open * bk.span) AS x) AS o
    CROSS JOIN LATERAL (SELECT sum(upper(x) - lower(x)) AS booked, range_merge(x) AS span
                        FROM unnest(t.booked * bk.span) AS x) AS bt
    WHERE NOT isempty(bk.span)
    ORDER BY bk.id, bk.start_day;
END
$$;
'''

BOOKING_OPEN_PERIODS = r'''-- Per resource among p_resource_ids (active or not): (opening time - closures) in p_window.
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_open_periods(p_resource_ids bigint[], p_window tstzrange)
RETURNS TABLE (resource_id bigint, open tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT h.resource_id, h.open - coalesce(c.closed, '{}')
    FROM booking_opening_hours(p_resource_ids, p_window) AS h
    LEFT JOIN booking_closed_periods(p_resource_ids, p_window) AS c
           ON c.resource_id = h.resource_id
$$;
'''

BOOKING_OPENING_HOURS = r'''-- booking_opening_hours(): per resource, its opening time in p_window from its special
-- hours and weekly rules, venue-local and DST-correct.
-- PostgreSQL >= 14 (multiranges, range_agg).
--
-- The rules of the resources are read once, hashed on (resource, weekday); each local
-- date's weekday is computed once in integers, and the special hours of the window are
-- read once (about 6 ms for occupancy's 30 days of 100 resources, 3 ms for 7 days).
CREATE OR REPLACE FUNCTION booking_opening_hours(p_resource_ids bigint[], p_window tstzrange)
RETURNS TABLE (resource_id bigint, open tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH res AS MATERIALIZED (
        SELECT r.id, v.timezone,
               -- From the date before: where midnight repeats (America/Havana), its
               -- 24:00 is the later midnight, past the start of the next date.
               (lower(p_window) AT TIME ZONE v.timezone)::date - 1 AS first_day,
               (upper(p_window) AT TIME ZONE v.timezone)::date AS last_day
        FROM (SELECT DISTINCT unnest(p_resource_ids) AS id) AS wanted
        JOIN booking_resource r ON r.id = wanted.id
        JOIN booking_venue v ON v.id = r.venue_id
    ),
    -- The special-hours rows of the dates considered, read once.
    special AS MATERIALIZED (
        SELECT s.resource_id AS id, res.timezone, s.date AS day, s.hours
        FROM res
        JOIN booking_specialhours s
          ON s.resource_id = res.id AND s.date BETWEEN res.first_day AND res.last_day
    ),
    -- The weekly rules of the resources, read once (an index scan per resource).
    rule AS MATERIALIZED (
        SELECT o.resource_id AS id, o.weekday, o.valid_during, o.hours
        FROM res
        JOIN booking_openinghours o ON o.resource_id = res.id
    ),
    -- The dates without special hours, with their ISO weekday (1 = Monday) in integer
    -- arithmetic: 2001-01-01 was a Monday; the double modulo keeps earlier dates >= 0.
    local_day AS MATERIALIZED (
        SELECT res.id, res.timezone, d.day,
               ((d.day - date '2001-01-01') % 7 + 7) % 7 + 1 AS weekday
        FROM res,
             LATERAL (SELECT res.first_day + i AS day
                      FROM generate_series(0, res.last_day - res.first_day) AS i) AS d
        WHERE NOT EXISTS (SELECT 1 FROM special sp WHERE sp.id = res.id AND sp.day = d.day)
    ),
    -- Special hours replace the weekly rules of their date; null hours = closed all day.
    day_hours AS (
        SELECT ld.id, ld.timezone, ld.day, rule.hours
        FROM local_day ld
        JOIN rule
          ON rule.id = ld.id AND rule.weekday = ld.weekday AND rule.valid_during @> ld.day
        UNION ALL
        SELECT sp.id, sp.timezone, sp.day, sp.hours
        FROM special sp
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
    )
    SELECT res.id, coalesce(opening.open, '{}') * tstzmultirange(p_window)
    FROM res
    LEFT JOIN opening ON opening.id = res.id
$$;
'''

BOOKING_OPENING_TIME = r'''-- The instants within `window` when the resource is open by its hours (the services'
-- check; the same expansion as availability's).
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_opening_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT h.open FROM booking_opening_hours(ARRAY[p_resource_id], p_window) AS h),
                    '{}')
$$;
'''

BOOKING_SLOT_RUNS = r'''-- The slots of booking_slots as runs: per resource, rows (first_start, last_start, step)
-- meaning the starts first_start + k * step up to last_start, in order (the runs of a
-- resource are disjoint and sorted: free periods are, and so are the local dates of the
-- midnight grid). The same starts as booking_slots (same expressions) without building
-- about 10,000 rows for 100 resources over a week, sorting them and sending them:
-- booking/selectors.py expands the runs (exact timedelta arithmetic in microseconds, as
-- generate_series adds the step in booking_slots).
-- PostgreSQL >= 14 (multiranges, range_agg).
CREATE OR REPLACE FUNCTION booking_slot_runs(
    p_resource_ids bigint[], p_window tstzrange, p_now timestamptz, p_duration interval,
    p_step interval DEFAULT NULL, p_anchor text DEFAULT 'midnight',
    p_party_size integer DEFAULT NULL, p_ignore_booking bigint DEFAULT NULL)
RETURNS TABLE (resource_id bigint, first_start timestamptz, last_start timestamptz,
               step interval)
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
    SELECT run.resource_id, run.first_start, run.last_start, run.step
    FROM (
        SELECT g.resource_id,
               g.anchor + ceil(extract(epoch FROM g.start_from - g.anchor) / g.step_seconds)
                          * g.step_seconds * interval '1 second' AS first_start,
               g.start_to AS last_start,
               g.step_seconds * interval '1 second' AS step
        FROM grid_from g
        WHERE g.start_from <= g.start_to
    ) AS run
    WHERE run.first_start <= run.last_start
    ORDER BY run.resource_id, run.first_start
$$;
'''


class Migration(migrations.Migration):
    dependencies = [('booking', '0017_booking_event_notice')]

    operations = [
        InstallSQL('booking_availability_base', BOOKING_AVAILABILITY_BASE,
                   sha='8430963f81bf48435dcc7eb82c7c97ccf7bbdfc6', reverse='keep'),
        InstallSQL('booking_closed_periods', BOOKING_CLOSED_PERIODS,
                   sha='db5eba14afbe97c956e65e46083fdac771438dbb', reverse='keep'),
        InstallSQL('booking_closed_time', BOOKING_CLOSED_TIME,
                   sha='e00eabb2181f6075c134055594921ccab7233fe8', reverse='keep'),
        InstallSQL('booking_free_periods', BOOKING_FREE_PERIODS,
                   sha='535cfe8d8546b9dfe19253499c5546df1904a69d', reverse='keep'),
        InstallSQL('booking_list_free', BOOKING_LIST_FREE,
                   sha='1552fc8fd3e7e0c8686c796042a587b57f47307c', reverse='keep'),
        InstallSQL('booking_new_reference', BOOKING_NEW_REFERENCE,
                   sha='d3b4bfab52213dd338ef1725de67358bdf45d971', reverse='keep'),
        InstallSQL('booking_occupancy', BOOKING_OCCUPANCY,
                   sha='18f0d59217620b3c822e309963a2b3a74acf08e1', reverse='keep'),
        InstallSQL('booking_open_periods', BOOKING_OPEN_PERIODS,
                   sha='6ae678df700590732e8bd3bc488a84d9c8d4a542', reverse='keep'),
        InstallSQL('booking_opening_hours', BOOKING_OPENING_HOURS,
                   sha='4e86d0ecd123629adaed9a68f331653221fdc12e', reverse='keep'),
        InstallSQL('booking_opening_time', BOOKING_OPENING_TIME,
                   sha='35d5b0bfc1c7811ba791c601a6bc9421babdb7e4', reverse='keep'),
        InstallSQL('booking_slot_runs', BOOKING_SLOT_RUNS,
                   sha='c5baa66b3e00bf0eb467875536883f7816a897eb', reverse='keep'),
    ]
