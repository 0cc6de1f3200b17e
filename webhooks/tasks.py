"""The delivery job, deferred by webhooks_delivery_enqueue() in the transaction of the
booking change (webhooks/sql/), run by procrastinate's worker."""

from django.conf import settings
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from webhooks.services import webhook_deliver

# Waits of BACKOFF ** n seconds; the last attempt marks the delivery dead instead of failing.
RETRY = RetryStrategy(max_attempts=settings.RANGEBOOK_WEBHOOK_ATTEMPTS - 1,
                      exponential_wait=settings.RANGEBOOK_WEBHOOK_BACKOFF)


@app.task(name="webhooks.deliver", queue="webhooks", retry=RETRY, pass_context=True)
def deliver_webhook(context, delivery_id: int) -> str:
    """POST one delivery; raises (and is retried) while the endpoint refuses it."""
    final = context.job.attempts + 1 >= settings.RANGEBOOK_WEBHOOK_ATTEMPTS
    return webhook_deliver(delivery_id=delivery_id, final=final)
