# One image for every ADE role: the api, the worker and the one-off migrate job differ only
# in their command (see docker-compose.yml).

# The web app, built in a Node stage of its own: only its static files (dist/) reach the
# image below; Node, npm and node_modules stay here.
FROM node:20-bookworm-slim AS web
WORKDIR /web
COPY frontend/ade-web/package.json frontend/ade-web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ade-web/ ./
RUN npm run build

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    ADE_STORAGE_DATA_DIR=/data

# bubblewrap is the jail config code runs in; ade-sandbox is the user it runs as. ADE itself
# runs as root in the container (so it can switch to ade-sandbox), with every capability
# dropped but CHOWN, SETUID, SETGID and KILL (docker-compose.yml).
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir "uv==0.13.8" \
 && useradd --system --no-create-home --user-group --shell /usr/sbin/nologin ade-sandbox \
 && mkdir -p /data /var/lib/ade-sandbox \
 && chmod 0700 /data \
 && chmod 0711 /var/lib/ade-sandbox

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY backend ./backend
# Byte-compiled here, read-only in the jail: no run compiles ADE's modules again.
# Byte-compiled at build time, the workspace's own sources too (installed editable, which
# --compile-bytecode does not reach): jobs run `python -B` in a read-only jail, so whatever
# is not compiled here is compiled again by every job.
RUN uv sync --frozen --all-packages --no-dev --compile-bytecode \
 && .venv/bin/python -m compileall -q backend/*/src

# The API serves the built web app at / (ADE_WEB_DIR).
COPY --from=web /web/dist ./web
ENV PATH="/app/.venv/bin:${PATH}" \
    ADE_WEB_DIR=/app/web
VOLUME ["/data"]
EXPOSE 8000
CMD ["ade", "api", "serve", "--host", "0.0.0.0", "--no-migrate"]
