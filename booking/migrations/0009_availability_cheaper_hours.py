from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0008_opening_time_shared")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0009_availability_cheaper_hours.sql"),
            # 0006 restores booking_list_free; 0008, run after it, what 0006 also resets.
            reverse_sql=[
                read_sql("booking/0006_availability_plans.sql"),
                read_sql("booking/0008_opening_time_shared.sql"),
            ],
        ),
    ]
