from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    # CONCURRENTLY: bookings go on being written while the indexes build (2.6 s each over
    # 1.1M bookings); it cannot run inside a transaction.
    atomic = False

    dependencies = [
        ('booking', '0018_sql_functions'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='booking',
            index=models.Index(fields=['period'], name='booking_period'),
        ),
        AddIndexConcurrently(
            model_name='booking',
            index=models.Index(fields=['created_at'], name='booking_created'),
        ),
    ]
