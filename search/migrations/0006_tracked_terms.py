from django.db import migrations

from config.sqlfiles import frozen_sql


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0005_lexeme_facets"),
    ]

    operations = [
        migrations.RunSQL(
            sql=frozen_sql("search/0006_tracked_terms.sql", "33860a294b0302a383d0beab0c52a8cada545f06"),
            reverse_sql=frozen_sql("search/0006_tracked_terms.reverse.sql", "8002a7534d7d772e9757b4bd45177793d2b50584")
            + frozen_sql("search/0005_lexeme_facets.sql", "212b6267835164a3b073ae5ef06435c77770522e"),
        ),
    ]
