from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0001_initial")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0002_opening_time.sql", "3288a88b4e93e165f9b1dff1f56198fc9ae2b39b"),
            reverse_sql=frozen_sql("booking/0002_opening_time.reverse.sql", "4225a6c00195eaa694ad9bd98ad88dddc146a56e"),
        ),
    ]
