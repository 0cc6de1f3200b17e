-- Creates booking_opening_hours(ids, window) and booking_closed_periods(ids, window), and
-- rebuilds booking_open_periods, booking_opening_time and booking_closed_time on them.
-- PostgreSQL >= 14 (multiranges, range_agg).
-- Read by booking/migrations/0008_opening_time_shared.py; never edit: add a new file instead.
--
-- Why: the services checked a booking against booking_opening_time() (0002), which expanded
-- opening hours from the local date of the window's start, while availability expanded them
-- from the date before (booking_open_periods, 0006). Where midnight repeats (America/Havana
-- falls back 01:00 -> 00:00), the date before reaches past the first midnight: availability
-- offered a slot that the service refused. Now both read one expansion.

-- Per resource among p_resource_ids (active or not): its opening time within p_window
-- (special hours of a date if it has any, else its weekly rules; closures not applied).
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
    )
    SELECT res.id, coalesce(opening.open, '{}') * tstzmultirange(p_window)
    FROM res
    LEFT JOIN opening ON opening.id = res.id
$$;

-- Per resource among p_resource_ids that has any: the closures of it and of its venue
-- within p_window.
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

-- Per resource among p_resource_ids (active or not): (opening time - closures) in p_window.
CREATE OR REPLACE FUNCTION booking_open_periods(p_resource_ids bigint[], p_window tstzrange)
RETURNS TABLE (resource_id bigint, open tstzmultirange)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT h.resource_id, h.open - coalesce(c.closed, '{}')
    FROM booking_opening_hours(p_resource_ids, p_window) AS h
    LEFT JOIN booking_closed_periods(p_resource_ids, p_window) AS c
           ON c.resource_id = h.resource_id
$$;

-- The instants within `window` when the resource is open by its hours (the services'
-- check; the same expansion as availability's).
CREATE OR REPLACE FUNCTION booking_opening_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT h.open FROM booking_opening_hours(ARRAY[p_resource_id], p_window) AS h),
                    '{}')
$$;

-- The instants within `window` when the resource is closed by a closure of its own or of
-- its venue.
CREATE OR REPLACE FUNCTION booking_closed_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT c.closed
                     FROM booking_closed_periods(ARRAY[p_resource_id], p_window) AS c),
                    '{}')
$$;
