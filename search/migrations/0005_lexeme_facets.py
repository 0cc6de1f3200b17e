from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0004_narrow_with_rum_extension"),
    ]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("search/0005_lexeme_facets.sql", "212b6267835164a3b073ae5ef06435c77770522e"),
            reverse_sql=frozen_sql("search/0005_lexeme_facets.reverse.sql", "bdf543324079a19a7d96b2e91ed0d506ce40bc22"),
        ),
    ]
