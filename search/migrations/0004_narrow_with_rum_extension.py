from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0003_rum_page"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("search/0004_narrow_with_rum_extension.sql"),
            reverse_sql=read_sql("search/0004_narrow_with_rum_extension.reverse.sql"),
        ),
    ]
