# syntax=docker/dockerfile:1
# One image for web (gunicorn), worker and beat (celery) and the migration job (manage.py
# migrate_all): the Helm chart (helm/spmp) chooses the command. Build: docker build -t spmp .
#
# Stages: ui (Node 20 builds GOV.UK Frontend and static/build/app.css with npm ci), deps (Python
# 3.11 installs the pinned wheels into /opt/venv), collect (collectstatic: manifest-hashed,
# compressed), and the final image: no Node, no compilers, no node_modules, a non-root user, and a
# root filesystem that may be mounted read-only (the chart does: /tmp and SPMP_DATA_DIR are volumes).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG NODE_IMAGE=node:20-bookworm-slim

# --- ui: GOV.UK Frontend, htmx and the stylesheet -------------------------------------------------
FROM ${NODE_IMAGE} AS ui
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY static/scss static/scss
RUN mkdir -p static/build && npm run --silent build:css

# --- deps: the pinned Python dependencies (wheels: the slim image has no compiler) ----------------
FROM ${PYTHON_IMAGE} AS deps
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY pyproject.toml /src/pyproject.toml
# pyproject.toml lists no packages of its own: installing it installs exactly the pinned dependencies.
RUN /opt/venv/bin/pip install /src

# --- collect: static files, as production serves them ---------------------------------------------
FROM deps AS collect
WORKDIR /app
COPY . /app
COPY --from=ui /src/node_modules/govuk-frontend/dist /app/node_modules/govuk-frontend/dist
COPY --from=ui /src/node_modules/htmx.org/dist /app/node_modules/htmx.org/dist
COPY --from=ui /src/static/build /app/static/build
# Production settings need their secrets to load; these made-up ones exist only in this RUN.
RUN DJANGO_ENV=production STATIC_ROOT=/app/staticfiles SECRET_KEY=collectstatic-only \
    AUDIT_SEAL_KEY=collectstatic-only REGISTRY_MATCH_KEY=collectstatic-only \
    FIELD_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LTMyLWJ5dGVzLWtleSE= \
    DATABASE_URL=postgres://collectstatic@localhost/none CACHE_URL=locmem:// \
    /opt/venv/bin/python manage.py collectstatic --noinput --verbosity 0

# --- the image ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
# Debian's PostgreSQL client for backup_force / restore_force: its major version must be the
# server's (build with --build-arg PG_MAJOR=16 for a PostgreSQL 16 server).
ARG PG_MAJOR=15
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-client-${PG_MAJOR} \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 spmp \
    && useradd --system --uid 10001 --gid spmp --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin spmp \
    && mkdir -p /var/lib/spmp /var/lib/spmp-audit \
    && chown spmp:spmp /var/lib/spmp /var/lib/spmp-audit
COPY --from=deps /opt/venv /opt/venv
WORKDIR /app
COPY --from=collect /app/staticfiles /app/staticfiles
COPY . /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_ENV=production \
    DJANGO_SETTINGS_MODULE=spmp_platform.settings \
    STATIC_ROOT=/app/staticfiles \
    SPMP_DATA_DIR=/var/lib/spmp \
    LOG_FORMAT=json
# The deployment checks, with made-up secrets (never kept in the image).
RUN SECRET_KEY=check-deploy-only-$(python -c 'import secrets; print(secrets.token_urlsafe(50))') \
    AUDIT_SEAL_KEY=check-only REGISTRY_MATCH_KEY=check-only \
    FIELD_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LTMyLWJ5dGVzLWtleSE= \
    DATABASE_URL=postgres://check@localhost/none CACHE_URL=redis://localhost:6379/0 \
    python manage.py check --deploy
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "--config", "python:spmp_platform.gunicorn_conf", "--bind", "0.0.0.0:8000", "spmp_platform.wsgi:application"]
