from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_narrow_with_rum_extension"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("search/0005_lexeme_facets.sql"),
            reverse_sql=read_sql("search/0005_lexeme_facets.reverse.sql"),
        ),
    ]
