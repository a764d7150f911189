# syntax=docker/dockerfile:1
# One image for web and worker:
#   web:    docker run IMAGE            (gunicorn on :8000)
#   worker: docker run IMAGE celery -A dangke worker -Q default,media,search
# Linted by hadolint in the test run (tests/dangke/test_deploy.py). Debian packages are
# not pinned to a version (DL3008): bookworm's security updates replace a package's
# version in the archive, so a pinned version stops the build; the Python packages
# are pinned in requirements.txt and the npm ones by package-lock.json.
FROM python:3.11-slim-bookworm AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential libpq-dev \
 && rm -rf /var/lib/apt/lists/*
COPY requirements.txt /tmp/requirements.txt
RUN python -m venv /opt/venv \
 && /opt/venv/bin/pip install -r /tmp/requirements.txt

# The portal's browser libraries (hls.js, three.js), pinned by package-lock.json.
FROM node:20-bookworm-slim AS browser-libs
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=dangke.settings \
    DEBUG=0 \
    DANGKE_VAR_DIR=/app/var
# espeak-ng and fonts-noto-cjk voice and draw the demo's lessons (load_demo).
# nginx-light with libnginx-mod-rtmp takes the live lectures' streams (docs/broadcasts.md).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg libpq5 espeak-ng fonts-noto-cjk nginx-light libnginx-mod-rtmp \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 dangke \
 && useradd --system --uid 10001 --gid dangke --home /app dangke
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY --chown=dangke:dangke . /app
COPY --from=browser-libs /src/node_modules /app/node_modules
# collectstatic needs a key only to import the settings; it is not kept.
RUN mkdir -p /app/var && chown dangke:dangke /app/var \
 && python -m themes.vendor && rm -rf /app/node_modules \
 && SECRET_KEY=build-only-not-secret python manage.py collectstatic --noinput -v0 \
 && chown -R dangke:dangke /app/var
# Numeric, so the host and an orchestrator's runAsNonRoot can tell it is not root.
USER 10001:10001
EXPOSE 8000
# /healthz: the process answers (/readyz also asks the database, broker, storage and
# search; an orchestrator's readiness probe should use that one).
HEALTHCHECK --interval=30s --timeout=5s CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "dangke.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "120", "--access-logfile", "-"]
