"""ASGI entry point: `uvicorn config.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler  # noqa: E402

# Serves the admin's CSS and JS from the app directories; a production deployment
# would put a web server or CDN in front instead.
application = ASGIStaticFilesHandler(get_asgi_application())
