from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [("booking", "0010_list_free_hours_by_index")]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("booking/0011_occupancy_open_by_multirange.sql", "40412921aa393110c74d73233aace3e07ef6fefc"),
            reverse_sql=frozen_sql("booking/0011_occupancy_open_by_multirange.reverse.sql", "d214d6039f5c6c97ea342bf82282dce8dec3b1d1"),
        ),
    ]
