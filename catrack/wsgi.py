"""WSGI entry point; production settings unless told otherwise."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catrack.settings.production")
application = get_wsgi_application()
