from django.contrib import admin, messages

from accounts.models import ApiToken, api_token_create


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "hint", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "user__username", "hint"]
    readonly_fields = ["hint", "created_at"]
    fields = ["user", "name", "hint", "created_at", "revoked_at"]

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, secret = api_token_create(user=obj.user, name=obj.name)
        obj.pk, obj.key_digest, obj.hint = token.pk, token.key_digest, token.hint
        messages.warning(
            request,
            f"The new token is {secret} — copy it now: it is not stored and cannot be shown again.",
        )
