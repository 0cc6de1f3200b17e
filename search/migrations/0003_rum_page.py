from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_narrow_documents"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("search/0003_rum_page.sql"),
            reverse_sql=read_sql("search/0003_rum_page.reverse.sql"),
        ),
    ]
