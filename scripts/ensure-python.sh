#!/usr/bin/env bash
# Create the project's virtual environment, installing python3-venv with apt if the
# interpreter cannot make one.
set -euo pipefail
PYTHON="${1:-python3}"
VENV="${2:-.venv}"
if [[ -x "$VENV/bin/python" ]]; then
  exit 0
fi
if ! "$PYTHON" -m venv --help >/dev/null 2>&1 || ! "$PYTHON" -c 'import ensurepip' >/dev/null 2>&1; then
  echo "make: installing python3-venv with apt" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
fi
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "OpenAIMS needs Python 3.11 or newer")'
"$PYTHON" -m venv "$VENV"
