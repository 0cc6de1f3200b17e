-- The slots of booking_slots as runs: per resource, rows (first_start, last_start, step)
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
