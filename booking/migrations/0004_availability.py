from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0003_booking_triggers"),
        # booking_occupancy() uses its range_merge(anyrange) aggregate.
        ("django_range_merge", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0004_availability.sql", "a18e14e389bed16d2093c2697c6c73137982685d"),
            reverse_sql=frozen_sql("booking/0004_availability.reverse.sql", "66be6dac832c17133e9cd00f3034e1528148d8e9"),
        ),
    ]
