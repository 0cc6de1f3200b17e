# Written by manage.py makesqlmigrations: frozen snapshots of sql/functions/ (each with
# its SHA-1). Never edit: change the living file and run the command again.
#
# The first snapshots: the RunSQL migrations before this one installed these same
# definitions (checked on a fresh database and on rangebook and rangebook_bench), so
# unapplying this migration keeps them (reverse='keep').

from django.db import migrations

from config.sqlfunctions import InstallSQL

WEBHOOKS_DELIVERY_ENQUEUE = r'''-- webhooks_delivery_enqueue(): for each booking change (an audit event), a delivery per
-- active endpoint and its job, in the same transaction (PostgreSQL >= 14,
-- procrastinate 3).
CREATE OR REPLACE FUNCTION webhooks_delivery_enqueue() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    job_ids bigint[];
BEGIN
    WITH deliveries AS (
        INSERT INTO webhooks_delivery
            (endpoint_id, event_id, resource_id, status, attempts, last_error, created_at)
        SELECT endpoint.id, NEW.pgh_id, NEW.resource_id, 'pending', 0, '', now()
        FROM webhooks_endpoint AS endpoint
        WHERE endpoint.is_active
        RETURNING id, endpoint_id
    )
    -- The lock keeps one endpoint's deliveries of one resource in order (webhooks/services.py,
    -- delivery_lock); with no active endpoint the array is NULL and nothing is deferred.
    SELECT procrastinate_defer_jobs_v1(array_agg(ROW(
        'webhooks', 'webhooks.deliver', 0,
        format('webhook:%s:resource:%s', deliveries.endpoint_id, NEW.resource_id), NULL,
        jsonb_build_object('delivery_id', deliveries.id), NULL
    )::procrastinate_job_to_defer_v1 ORDER BY deliveries.id))
    INTO job_ids
    FROM deliveries;
    RETURN NULL;
END
$$;
'''


class Migration(migrations.Migration):
    dependencies = [('webhooks', '0002_delivery_enqueue')]

    operations = [
        InstallSQL('webhooks_delivery_enqueue', WEBHOOKS_DELIVERY_ENQUEUE,
                   sha='a8d775e73336e9e0dcca266cb4455fc97fe1b8ef', reverse='keep'),
    ]
