-- Replaces booking_occupancy (0006_availability_plans.sql) with a cheaper plan; the
-- contract (docs/availability.md) is unchanged. PostgreSQL >= 14.
-- Read by booking/migrations/0011_occupancy_open_by_multirange.py (reversed by
-- 0011_occupancy_open_by_multirange.reverse.sql); never edit: add a new file instead.
--
-- Why: the open time of each bucket joined every open piece of the resource (about 24 over
-- 30 days) to each of its buckets (32) and summed the overlaps: about 75,000 range tests
-- for 100 resources. Now each bucket intersects the resource's open multirange once.

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
    booked_total AS (
        SELECT bk.id, bk.start_day, sum(upper(x) - lower(x)) AS booked, range_merge(x) AS span
        FROM bucket bk
        JOIN booked_piece bp ON bp.id = bk.id AND bp.piece && bk.span,
        LATERAL (SELECT bp.piece * bk.span AS x) AS part
        GROUP BY bk.id, bk.start_day
    )
    -- Open time per bucket: one multirange intersection (in C, a merge of two sorted
    -- lists) instead of testing every open piece of the resource against every bucket.
    SELECT bk.id, bk.start_day,
           coalesce((SELECT sum(upper(x) - lower(x))
                     FROM unnest(open.open * tstzmultirange(bk.span)) AS x), interval '0'),
           coalesce(bt.booked, interval '0'), bt.span
    FROM bucket bk
    LEFT JOIN open ON open.resource_id = bk.id
    LEFT JOIN booked_total bt ON bt.id = bk.id AND bt.start_day = bk.start_day
    WHERE NOT isempty(bk.span)
    ORDER BY bk.id, bk.start_day;
END
$$;
