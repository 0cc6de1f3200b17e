from django.db import migrations

from config.sqlfiles import read_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_lexeme_facets"),
    ]

    operations = [
        migrations.RunSQL(
            sql=read_sql("search/0006_tracked_terms.sql"),
            reverse_sql=read_sql("search/0006_tracked_terms.reverse.sql")
            + read_sql("search/0005_lexeme_facets.sql"),
        ),
    ]
