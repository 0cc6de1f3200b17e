from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0009_availability_cheaper_hours")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0010_list_free_hours_by_index.sql"),
            # 0009 restores booking_list_free; the SET clauses are part of the definition.
            reverse_sql=read_sql("booking/0009_availability_cheaper_hours.sql"),
        ),
    ]
