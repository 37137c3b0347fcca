FROM python:3.11-slim-bookworm

# WeasyPrint's runtime (Pango) and libharfbuzz-subset0, which makes PDF rendering ~3x faster.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# The lock, not pyproject.toml's ranges: the image holds exactly what the tests ran against.
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes --no-deps -r requirements.txt
COPY . .
RUN DJANGO_SECRET_KEY=collectstatic-only \
    DJANGO_EMAIL_BACKEND=django.core.mail.backends.dummy.EmailBackend \
    python manage.py collectstatic --noinput \
    && useradd --create-home radar && mkdir -p /app/var/media && chown -R radar /app/var
USER radar

EXPOSE 8000
# No gunicorn access log: its lines carry the path, and survey paths carry invitation tokens.
# The app logs one line per request without them (core/request_log.py).
CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "4"]
