#!/usr/bin/env bash
# make demo: a fresh register with a realistic sample organisation, a scan of the
# sample repository, the policy check, readiness, then the dashboard on SQLite.
set -euo pipefail
cd "$(dirname "$0")/.."
AIMS=.venv/bin/aims
DEMO_DIR="$(realpath -m "${AIMS_DEMO_DIR:-.demo}")"
PORT="${AIMS_PORT:-8000}"
SAMPLE=examples/sample-monorepo

# Say so at once, not after the set-up, when the dashboard's port is taken.
if ! .venv/bin/python - "$PORT" <<'PY'
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("127.0.0.1", int(sys.argv[1])))
    except OSError:
        sys.exit(1)
PY
then
    echo "make demo: port $PORT is already in use; choose another with AIMS_PORT, e.g. 'AIMS_PORT=8001 make demo'" >&2
    exit 2
fi

rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
export AIMS_DATABASE_URL="sqlite:///$DEMO_DIR/aims.db"
export AIMS_EVIDENCE_DIR="$DEMO_DIR/evidence"
export AIMS_ACTOR=maria

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "Creating the register in $DEMO_DIR"
$AIMS init

step "Loading the sample organisation (Northwind Lending)"
$AIMS demo-data

step "Scanning $SAMPLE for AI"
$AIMS scan "$SAMPLE" --no-progress
$AIMS scan "$SAMPLE" --format cyclonedx -o "$DEMO_DIR/aibom.cdx.json" --no-progress

step "Checking the sample repository against the sample AI policy"
$AIMS check "$SAMPLE" --policy examples/policies/sample.yaml || true

step "ISO/IEC 42001 readiness computed from the register"
$AIMS readiness || true

step "History chain"
$AIMS history verify

printf '\n\033[1mDashboard: http://127.0.0.1:%s/\033[0m\n' "$PORT"
printf 'Sign in as maria (AIMS manager), ana (auditor, read-only) or admin; password: demo-password-1 (demo only).\n'
printf 'Stop with Ctrl-C.\n\n'
exec $AIMS serve --host 127.0.0.1 --port "$PORT"
