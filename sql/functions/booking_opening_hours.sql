-- booking_opening_hours(): per resource, its opening time in p_window from its special
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
