from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0010_list_free_hours_by_index")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0011_occupancy_open_by_multirange.sql"),
            reverse_sql=read_sql("booking/0011_occupancy_open_by_multirange.reverse.sql"),
        ),
    ]
