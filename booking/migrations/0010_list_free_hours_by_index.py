from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0009_availability_cheaper_hours")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0010_list_free_hours_by_index.sql", "14050ed824bef07bba06bb8e1d7c1e6c850cc87d"),
            # 0009 restores booking_list_free; the SET clauses are part of the definition.
            reverse_sql=frozen_sql("booking/0009_availability_cheaper_hours.sql", "8872a5aec84766f4961d432e9252f589d2c80009"),
        ),
    ]
