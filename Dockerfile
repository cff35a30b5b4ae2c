# The kes controller image: `kes controller run` as a non-root user.
# Build from the repository root:  docker build -t kes:0.1.0 .
# The user and group ids match the Deployment's securityContext (Kanister's Helm defaults).
#
# The base is pinned by version. Pin it by digest too where you build (`python:3.11.13-slim-
# bookworm@sha256:...`, the digest your registry serves for this tag): the digest names exact
# bytes, which a tag does not, but it can only be read from a registry this repository cannot
# reach when it is tested.
FROM python:3.11.13-slim-bookworm

ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="kes" \
      org.opencontainers.image.description="Event-sourced re-implementation of the Kanister data-protection controller" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.base.name="python:3.11.13-slim-bookworm"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# libpq for a PostgreSQL event store (psycopg without its binary wheel needs it).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
# Exactly the versions in constraints.txt (scripts/constraints.sh), within pyproject's ranges.
COPY pyproject.toml README.md constraints.txt ./
COPY kes ./kes
RUN pip install --constraint constraints.txt ".[postgres]" \
    && rm -rf /src

RUN groupadd --gid 3000 kes \
    && useradd --uid 1000 --gid 3000 --home-dir /var/lib/kes --no-create-home \
       --shell /usr/sbin/nologin kes \
    && mkdir -p /var/lib/kes \
    && chown 1000:3000 /var/lib/kes

USER 1000:3000
WORKDIR /var/lib/kes
ENV KES_STORE=/var/lib/kes/store.sqlite3
# 8081: /healthz, /readyz, /metrics. 9443: the Blueprint validating webhook (Kanister's port).
EXPOSE 8081 9443

ENTRYPOINT ["kes", "controller", "run"]
CMD ["--health-port=8081", "--health-address=0.0.0.0"]
