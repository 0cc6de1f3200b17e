from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_readable_range_bounds")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0008_opening_time_shared.sql"),
            reverse_sql=[
                read_sql("booking/0002_opening_time.sql"),
                read_sql("booking/0006_availability_plans.sql"),
                read_sql("booking/0008_opening_time_shared.reverse.sql"),
            ],
        ),
    ]
