"""Partner webhooks: endpoints registered by staff, and one delivery per endpoint and
booking change, created by a trigger in the transaction of the change (webhooks/sql.py)."""

import secrets

from django.db import models


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class Endpoint(models.Model):
    name = models.CharField(max_length=100, help_text="Who receives it, e.g. the partner.")
    url = models.URLField(max_length=500, help_text="Receives a POST of JSON per change.")
    secret = models.CharField(
        max_length=100, default=new_secret,
        help_text="Signs every delivery (HMAC-SHA256 of timestamp and body): give it to the "
        "partner, who checks the Rangebook-Signature header with it.")
    is_active = models.BooleanField(
        default=True, help_text="Inactive endpoints get no new deliveries.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"  # queued, or failed and waiting for its next attempt
    DELIVERED = "delivered"  # the endpoint answered 2xx
    DEAD = "dead"  # every attempt failed: kept for the operator, who may retry it


class Delivery(models.Model):
    """One booking change (an audit event) for one endpoint."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The booking's audit event (booking_bookingevent.pgh_id): the `cursor` of the API.
    event_id = models.BigIntegerField()
    resource_id = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    payload = models.JSONField(null=True, blank=True, help_text="The body sent (set at the "
                               "first attempt, the same at every retry).")
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-event_id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"],
                                    name="webhooks_delivery_once_per_event"),
        ]
        indexes = [
            models.Index(fields=["status", "endpoint"], name="webhooks_delivery_status"),
        ]

    def __str__(self) -> str:
        return f"event {self.event_id} → {self.endpoint}"
