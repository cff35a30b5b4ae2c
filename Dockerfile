# The kes controller image: `kes controller run` as a non-root user.
# Build from the repository root:  docker build -t kes:0.1.0 .
# The user and group ids match the Deployment's securityContext (Kanister's Helm defaults).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libpq for a PostgreSQL event store (psycopg without its binary wheel needs it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY pyproject.toml README.md ./
COPY kes ./kes
RUN pip install ".[postgres]" \
    && rm -rf /src

RUN groupadd --gid 3000 kes \
    && useradd --uid 1000 --gid 3000 --home-dir /var/lib/kes --no-create-home \
       --shell /usr/sbin/nologin kes \
    && mkdir -p /var/lib/kes \
    && chown 1000:3000 /var/lib/kes

USER 1000:3000
WORKDIR /var/lib/kes
ENV KES_STORE=/var/lib/kes/store.sqlite3
EXPOSE 8081

ENTRYPOINT ["kes", "controller", "run"]
CMD ["--health-port=8081", "--health-address=0.0.0.0"]
