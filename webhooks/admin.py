import json

from django.contrib import admin, messages
from django.utils.html import format_html

from webhooks.models import Delivery, DeliveryStatus, Endpoint, new_secret
from webhooks.services import delivery_lock
from webhooks.tasks import deliver_webhook


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "is_active", "pending", "dead", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]
    readonly_fields = ["secret", "created_at"]
    actions = ["rotate_secret"]

    @admin.display(description="pending")
    def pending(self, endpoint):
        return endpoint.deliveries.filter(status=DeliveryStatus.PENDING).count()

    @admin.display(description="dead")
    def dead(self, endpoint):
        return endpoint.deliveries.filter(status=DeliveryStatus.DEAD).count()

    @admin.action(description="Give the selected endpoints a new secret")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            endpoint.secret = new_secret()
            endpoint.save(update_fields=["secret"])
        messages.warning(request, "New secrets are in force now: give them to the partners.")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_id", "endpoint", "event_type", "status", "attempts",
                    "last_status_code", "last_error", "created_at", "delivered_at"]
    list_filter = ["status", "endpoint"]
    search_fields = ["payload__data__reference"]
    readonly_fields = [field.name for field in Delivery._meta.fields if field.name != "id"] + [
        "body"]
    exclude = ["payload"]
    actions = ["retry"]

    def has_add_permission(self, request):
        return False  # deliveries come from booking changes only

    @admin.display(description="event")
    def event_type(self, delivery):
        return (delivery.payload or {}).get("type", "")

    @admin.display(description="body sent")
    def body(self, delivery):
        text = json.dumps(delivery.payload, indent=2) if delivery.payload else "(not sent yet)"
        return format_html("<pre>{}</pre>", text)

    @admin.action(description="Deliver the selected dead deliveries again")
    def retry(self, request, queryset):
        dead = list(queryset.filter(status=DeliveryStatus.DEAD))
        for delivery in dead:
            Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING,
                                                           attempts=0)
            deliver_webhook.configure(lock=delivery_lock(
                endpoint_id=delivery.endpoint_id, resource_id=delivery.resource_id,
            )).defer(delivery_id=delivery.pk)
        messages.success(request, f"{len(dead)} delivery(ies) queued again.")
