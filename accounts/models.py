"""Bearer API tokens. Only a SHA-256 digest is stored: a leaked table reveals no token.

A token works until it is revoked or expires (RANGEBOOK_TOKEN_DAYS after it is made,
unless made with another lifetime or none), and only while its user is active.
"""

import datetime as dt
import functools
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.db.models import Q
from django.utils import timezone

from config.rows import from_row, select_list

TOKEN_PREFIX = "rbk_"


def digest(token: str) -> str:
    # Tokens are 256 random bits, so a fast unsalted hash is enough (no dictionary to try).
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(Q(expires_at__isnull=True) | Q(expires_at__gt=timezone.now()),
                           revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'kiosk'.")
    key_digest = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=12, editable=False, help_text="The token's first characters."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The token stops working then; empty: never.")
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"


_DEFAULT = object()


def api_token_create(*, user, name: str, lifetime=_DEFAULT) -> tuple[ApiToken, str]:
    """A new token for `user`, and its secret, which is shown once and never stored.

    It expires after `lifetime` (a timedelta; None: never), by default
    settings.RANGEBOOK_TOKEN_DAYS days.
    """
    if lifetime is _DEFAULT:
        lifetime = dt.timedelta(days=settings.RANGEBOOK_TOKEN_DAYS)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_digest=digest(secret), hint=secret[:8],
        expires_at=timezone.now() + lifetime if lifetime is not None else None,
    )
    return token, secret


def api_token_user(secret: str):
    """The active user a usable token (not revoked, not expired) belongs to, or None.

    One statement, written out (ApiTokenQuerySet.usable's rule): every API request with a
    token sends it, and the ORM took several times the statement to build it.
    """
    with connection.cursor() as cursor:
        cursor.execute(_token_user_sql(), [digest(secret), timezone.now()])
        row = cursor.fetchone()
    return from_row(get_user_model(), row)[0] if row else None


@functools.cache
def _token_user_sql() -> str:
    user = get_user_model()
    return (
        f"SELECT {select_list(user, 'u')} FROM {ApiToken._meta.db_table} t"
        f" JOIN {user._meta.db_table} u ON u.{user._meta.pk.column} = t.user_id"
        " WHERE t.key_digest = %s AND t.revoked_at IS NULL"
        " AND (t.expires_at IS NULL OR t.expires_at > %s) AND u.is_active")
