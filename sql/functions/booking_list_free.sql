-- booking_list_free(): the ids of the resources among p_resource_ids that can be booked
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
