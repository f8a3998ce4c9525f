# catrack web image: gunicorn serving Django, static files by whitenoise. Configuration comes from the
# environment (see .env.example); docker/entrypoint.sh migrates and seeds on start.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=catrack.settings.production \
    PORT=8000

WORKDIR /app
RUN useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin catrack

# Dependencies first, so a code change does not reinstall them (psycopg[binary] needs no compiler).
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY --chown=catrack:catrack . .
RUN mkdir -p /app/staticfiles && chown catrack:catrack /app/staticfiles
USER catrack

EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz', timeout=4)"
ENTRYPOINT ["/app/docker/entrypoint.sh"]
