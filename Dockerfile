# The OpenAIMS team server image: the web application and the scan workers (see compose.yaml).
FROM python:3.12-slim

# git fetches the repositories the workers scan (through OpenAIMS's safe git runner).
RUN apt-get update \
    && apt-get install -y --no-install-recommends git ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 10001 aims \
    && mkdir -p /var/lib/openaims/evidence /var/cache/openaims/org \
    && chown -R aims:aims /var/lib/openaims /var/cache/openaims

WORKDIR /opt/openaims
# Hash-pinned dependencies first (a layer that changes only with the lock file).
COPY requirements/server.lock requirements/server.lock
RUN pip install --no-cache-dir --require-hashes -r requirements/server.lock
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN pip install --no-cache-dir --no-deps .

USER aims
ENV AIMS_ENVIRONMENT=prod \
    AIMS_EVIDENCE_DIR=/var/lib/openaims/evidence \
    AIMS_ORG_CACHE_DIR=/var/cache/openaims/org \
    PYTHONUNBUFFERED=1
EXPOSE 8000
CMD ["aims", "serve", "--host", "0.0.0.0", "--port", "8000"]
