"""Settings for a server reachable by others: `manage.py check --deploy` passes with none of
its warnings.

    DJANGO_SETTINGS_MODULE=config.settings.production
    DJANGO_SECRET_KEY=<50+ random characters>    DJANGO_ALLOWED_HOSTS=book.example.com
    DATABASE_URL=postgresql://...                 (optional: the embedded cluster otherwise)
    DJANGO_BEHIND_TLS_PROXY=1                     (optional: trust X-Forwarded-Proto)
    DJANGO_EMAIL_HOST=smtp.example.com            (customers' notices, by SMTP; also
    DJANGO_EMAIL_PORT, DJANGO_EMAIL_HOST_USER, DJANGO_EMAIL_HOST_PASSWORD; STARTTLS)
    RANGEBOOK_FROM_EMAIL=bookings@example.com     RANGEBOOK_ICAL_DOMAIN=book.example.com

HTTPS only: plain-HTTP requests to the admin are redirected, to the API refused with
`https_required`; cookies are sent over HTTPS only; browsers are told to keep to HTTPS
for a year (HSTS). A missing or weak secret key stops the server from starting.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY

DEBUG = False

if len(SECRET_KEY) < 50 or SECRET_KEY == "rangebook-dev-only-not-secret":
    raise ImproperlyConfigured(
        "Set DJANGO_SECRET_KEY to 50 or more random characters, e.g. the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`.")
if not os.environ.get("DJANGO_ALLOWED_HOSTS"):
    raise ImproperlyConfigured("Set DJANGO_ALLOWED_HOSTS to the host names served, "
                               "comma-separated (e.g. book.example.com).")

SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 365 * 24 * 3600
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
if os.environ.get("DJANGO_BEHIND_TLS_PROXY") == "1":
    # Only behind a proxy that sets this header itself (clients could forge it otherwise).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("DJANGO_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("DJANGO_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("DJANGO_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = EMAIL_PORT != 25
EMAIL_TIMEOUT = 20
