"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

from spmp_platform.embedded import ensure_local_services

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spmp_platform.settings")
ensure_local_services()  # nothing to do in production (DATABASE_URL and a broker are set)
application = get_asgi_application()
