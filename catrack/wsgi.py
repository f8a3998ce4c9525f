"""WSGI entry point; production settings unless told otherwise."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catrack.settings.production")
# Web requests get a statement timeout (settings.DATABASE_STATEMENT_TIMEOUT): no request holds the
# database for minutes. Commands, which do not load this module, run without one.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", os.environ.get("WEB_STATEMENT_TIMEOUT", "15s"))
application = get_wsgi_application()
