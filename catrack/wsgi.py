"""WSGI entry point; production settings unless told otherwise."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "catrack.settings.production")
# Web requests get a statement timeout (settings.DATABASE_STATEMENT_TIMEOUT): no request holds the
# database for minutes. Commands, which do not load this module, run without one.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", os.environ.get("WEB_STATEMENT_TIMEOUT", "15s"))
application = get_wsgi_application()
# The app's modules, settings and URLconf (~120k objects) live as long as the process: frozen out of the cycle
# collector's generations, its full collections (every few hundred requests) no longer walk them each time
# (docs/benchmarks.md, "The request's Python"). Nothing frozen is garbage, so nothing is kept that would be freed.
get_resolver().url_patterns
gc.freeze()
