from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0015_venue_timezone_names_first")]

    operations = [
        migrations.RunSQL(
            sql=read_sql("booking/0016_drop_booking_slots.sql"),
            reverse_sql=read_sql("booking/0016_drop_booking_slots.reverse.sql"),
        ),
    ]
