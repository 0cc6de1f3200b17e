from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0011_occupancy_open_by_multirange")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0012_list_free_weekday_rules.sql"),
            # 0010 restores booking_list_free, its SET clauses included.
            reverse_sql=read_sql("booking/0010_list_free_hours_by_index.sql"),
        ),
    ]
