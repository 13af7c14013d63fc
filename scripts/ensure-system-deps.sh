#!/usr/bin/env bash
# Install the system packages the test suite uses, with apt, when they are missing:
# PostgreSQL (the suite starts its own throw-away server unless
# AIMS_TEST_DATABASE_URL names one), its client tools (pg_dump and pg_restore for
# aims backup/restore), Redis (the broker of the scan workers; likewise unless
# AIMS_TEST_REDIS_URL names one), Debian's Chromium (browser tests) and git
# (with git daemon, the local git server of the organisation-scan tests).
set -euo pipefail
need=()
if [[ -z "${AIMS_TEST_DATABASE_URL:-}" ]] && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  need+=(postgresql)
fi
if ! command -v pg_dump >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/pg_dump" >/dev/null; then
  need+=(postgresql-client)
fi
if [[ -z "${AIMS_TEST_REDIS_URL:-}" ]] && ! command -v redis-server >/dev/null 2>&1 && [[ ! -x /usr/bin/redis-server ]]; then
  need+=(redis-server)
fi
if ! command -v chromium >/dev/null 2>&1; then
  need+=(chromium)
fi
if ! command -v pdftotext >/dev/null 2>&1; then
  need+=(poppler-utils)
fi
if ! command -v git >/dev/null 2>&1; then
  need+=(git)
fi
if ((${#need[@]})); then
  echo "make: installing ${need[*]} with apt" >&2
  if [[ $(id -u) -ne 0 ]]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
