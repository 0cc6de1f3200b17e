from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_narrow_documents"),
    ]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("search/0003_rum_page.sql", "d657d8e930be48ccd07c10f41269ff0a162e2501"),
            reverse_sql=frozen_sql("search/0003_rum_page.reverse.sql", "2b4711c98975cb52ae44831c6c612b3fd9f3cd5e"),
        ),
    ]
