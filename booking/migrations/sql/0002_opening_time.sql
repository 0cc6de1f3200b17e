-- Creates booking_opening_time(resource, window) and booking_closed_time(resource, window):
-- the instants within `window` when a resource is open by its hours, and when it is closed
-- by a closure of its own or of its venue. PostgreSQL >= 14 (multiranges, range_agg).
-- Read by booking/migrations/0002_opening_time.py; never edit: add a new file instead.

-- Opening time = the special hours of a local date if it has any, else its weekly rules.
-- Local times become instants with `timestamp AT TIME ZONE zone`: a time skipped by a
-- spring-forward jump takes the offset before the jump, a repeated time the later instant.
-- A rule spanning a skipped hour can map to an inverted pair; it is then empty.
CREATE OR REPLACE FUNCTION booking_opening_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    WITH resource AS (
        SELECT r.id, v.timezone,
               (lower(p_window) AT TIME ZONE v.timezone)::date AS first_day,
               (upper(p_window) AT TIME ZONE v.timezone)::date AS last_day
        FROM booking_resource r
        JOIN booking_venue v ON v.id = r.venue_id
        WHERE r.id = p_resource_id
    ),
    local_day AS (
        SELECT resource.id, resource.timezone, resource.first_day + i AS day
        FROM resource, generate_series(0, resource.last_day - resource.first_day) AS i
    ),
    day_hours AS (
        SELECT ld.timezone, ld.day, s.hours
        FROM local_day ld
        JOIN booking_specialhours s ON s.resource_id = ld.id AND s.date = ld.day
        WHERE s.hours IS NOT NULL
        UNION ALL
        SELECT ld.timezone, ld.day, o.hours
        FROM local_day ld
        JOIN booking_openinghours o
          ON o.resource_id = ld.id
         AND o.weekday = extract(isodow FROM ld.day)
         AND o.valid_during @> ld.day
        WHERE NOT EXISTS (
            SELECT 1 FROM booking_specialhours s WHERE s.resource_id = ld.id AND s.date = ld.day
        )
    ),
    instants AS (
        SELECT (day + lower(hours) * interval '1 minute') AT TIME ZONE timezone AS opens,
               (day + upper(hours) * interval '1 minute') AT TIME ZONE timezone AS closes
        FROM day_hours
    )
    SELECT coalesce(range_agg(tstzrange(opens, greatest(opens, closes), '[)')), '{}')
           * tstzmultirange(p_window)
    FROM instants
$$;

CREATE OR REPLACE FUNCTION booking_closed_time(p_resource_id bigint, p_window tstzrange)
RETURNS tstzmultirange
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce(range_agg(c.period), '{}') * tstzmultirange(p_window)
    FROM booking_closure c
    WHERE c.period && p_window
      AND (c.resource_id = p_resource_id
           OR c.venue_id = (SELECT venue_id FROM booking_resource WHERE id = p_resource_id))
$$;
