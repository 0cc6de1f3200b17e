from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0013_cheaper_hours_and_occupancy")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0014_timezone_names.sql"),
            reverse_sql=read_sql("booking/0014_timezone_names.reverse.sql"),
        ),
    ]
