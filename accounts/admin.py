import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone

from accounts.models import ApiToken, api_token_create


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at", "expires_at"]
    search_fields = ["name", "user__username", "hint"]
    readonly_fields = ["hint", "created_at"]
    fields = ["user", "name", "hint", "created_at", "expires_at", "revoked_at"]

    def get_changeform_initial_data(self, request):
        days = dt.timedelta(days=settings.RANGEBOOK_TOKEN_DAYS)
        return {**super().get_changeform_initial_data(request), "expires_at": timezone.now() + days}

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        lifetime = obj.expires_at - timezone.now() if obj.expires_at else None
        token, secret = api_token_create(user=obj.user, name=obj.name, lifetime=lifetime)
        obj.pk, obj.key_digest, obj.hint = token.pk, token.key_digest, token.hint
        messages.warning(
            request,
            f"The new token is {secret} — copy it now: it is not stored and cannot be shown again.",
        )
