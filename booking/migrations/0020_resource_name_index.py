from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # CONCURRENTLY: resources go on being written while it builds (1M resources: seconds).
    atomic = False

    dependencies = [
        ("booking", "0019_booking_order_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="resource",
            index=models.Index(fields=["name", "id"], name="resource_name_id"),
        ),
    ]
