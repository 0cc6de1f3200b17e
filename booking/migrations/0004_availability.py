from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_booking_triggers"),
        # booking_occupancy() uses its range_merge(anyrange) aggregate.
        ("django_range_merge", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0004_availability.sql"),
            reverse_sql=read_sql("booking/0004_availability.reverse.sql"),
        ),
    ]
