from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0013_cheaper_hours_and_occupancy")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0014_timezone_names.sql", "f03c6a91ec3d171bef096d3915f5b6574aaeb1ae"),
            reverse_sql=frozen_sql("booking/0014_timezone_names.reverse.sql", "9f57d200d9db1c6405b074bb93e7ed4df83d61c8"),
        ),
    ]
