# One image for every ADE role: the api, the worker and the one-off migrate job differ only
# in their command (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy \
    ADE_STORAGE_DATA_DIR=/data

RUN pip install --no-cache-dir "uv==0.13.8" \
 && useradd --create-home --uid 10001 ade \
 && mkdir -p /data && chown ade:ade /data

WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
COPY backend ./backend
RUN uv sync --frozen --all-packages --no-dev

ENV PATH="/app/.venv/bin:${PATH}"
USER ade
VOLUME ["/data"]
EXPOSE 8000
CMD ["ade", "api", "serve", "--host", "0.0.0.0", "--no-migrate"]
