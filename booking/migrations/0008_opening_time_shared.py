from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0007_readable_range_bounds")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0008_opening_time_shared.sql", "86c89aaadc21bba635987107c6b56189edd77533"),
            reverse_sql=[
                frozen_sql("booking/0002_opening_time.sql", "3288a88b4e93e165f9b1dff1f56198fc9ae2b39b"),
                frozen_sql("booking/0006_availability_plans.sql", "1e71506240b39616db3b8b66c4a4fc5d4745ad7d"),
                frozen_sql("booking/0008_opening_time_shared.reverse.sql", "922023aa79a208be222b94f682fa6f4d1a6c121b"),
            ],
        ),
    ]
