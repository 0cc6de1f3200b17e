from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_rum_page"),
    ]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("search/0004_narrow_with_rum_extension.sql", "907304d97df5225e2d858fefbd4cc8cb3843f8c4"),
            reverse_sql=frozen_sql("search/0004_narrow_with_rum_extension.reverse.sql", "4100d97f3ab48bff2afc50d22d468167aaa74eed"),
        ),
    ]
