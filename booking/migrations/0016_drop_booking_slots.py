from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0015_venue_timezone_names_first")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0016_drop_booking_slots.sql", "76a565b444dcb4da2c9f94c65a618d9bc80af6b7"),
            reverse_sql=frozen_sql("booking/0016_drop_booking_slots.reverse.sql", "54b7bbb3214c554fa37977501ae2631d1fc4fec0"),
        ),
    ]
