from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0008_opening_time_shared")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0009_availability_cheaper_hours.sql", "8872a5aec84766f4961d432e9252f589d2c80009"),
            # 0006 restores booking_list_free; 0008, run after it, what 0006 also resets.
            reverse_sql=[
                frozen_sql("booking/0006_availability_plans.sql", "1e71506240b39616db3b8b66c4a4fc5d4745ad7d"),
                frozen_sql("booking/0008_opening_time_shared.sql", "86c89aaadc21bba635987107c6b56189edd77533"),
            ],
        ),
    ]
