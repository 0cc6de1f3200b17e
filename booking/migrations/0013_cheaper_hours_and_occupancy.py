from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0012_list_free_weekday_rules")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0013_cheaper_hours_and_occupancy.sql", "c10f976e8efdaa7d95ca18b16a8744f4a163c867"),
            # 0008 restores booking_opening_hours (and re-creates, unchanged, the functions
            # built on it); 0011 restores booking_occupancy; booking_slot_runs is new.
            reverse_sql=[
                "DROP FUNCTION IF EXISTS booking_slot_runs(bigint[], tstzrange, timestamptz,"
                " interval, interval, text, integer, bigint)",
                frozen_sql("booking/0008_opening_time_shared.sql", "86c89aaadc21bba635987107c6b56189edd77533"),
                frozen_sql("booking/0011_occupancy_open_by_multirange.sql", "40412921aa393110c74d73233aace3e07ef6fefc"),
            ],
        ),
    ]
