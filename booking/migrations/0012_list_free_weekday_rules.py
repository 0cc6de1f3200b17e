from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0011_occupancy_open_by_multirange")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0012_list_free_weekday_rules.sql", "d9f3cbe8dcaf2138502e03fc2a0056e928055353"),
            # 0010 restores booking_list_free, its SET clauses included.
            reverse_sql=frozen_sql("booking/0010_list_free_hours_by_index.sql", "14050ed824bef07bba06bb8e1d7c1e6c850cc87d"),
        ),
    ]
