from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0002_opening_time.sql"),
            reverse_sql=read_sql("booking/0002_opening_time.reverse.sql"),
        ),
    ]
