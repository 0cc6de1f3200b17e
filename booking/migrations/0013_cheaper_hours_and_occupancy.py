from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0012_list_free_weekday_rules")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0013_cheaper_hours_and_occupancy.sql"),
            # 0008 restores booking_opening_hours (and re-creates, unchanged, the functions
            # built on it); 0011 restores booking_occupancy; booking_slot_runs is new.
            reverse_sql=[
                "DROP FUNCTION IF EXISTS booking_slot_runs(bigint[], tstzrange, timestamptz,"
                " interval, interval, text, integer, bigint)",
                read_sql("booking/0008_opening_time_shared.sql"),
                read_sql("booking/0011_occupancy_open_by_multirange.sql"),
            ],
        ),
    ]
