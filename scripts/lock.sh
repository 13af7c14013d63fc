#!/usr/bin/env bash
# make lock: pin every dependency, with hashes, for every platform and Python >= 3.11.
#   requirements/runtime.lock  what `aims` runs with (make demo, make install)
#   requirements/dev.lock      plus the test suite, linters, PostgreSQL driver and MLflow client (make test)
#   requirements/server.lock   runtime, PostgreSQL driver and scan workers (the compose.yaml image)
#   requirements/model-libs.txt  versions of the model libraries the tests save models with
# Run after changing dependencies in pyproject.toml; commit both files.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS=.tools
if [[ ! -x $TOOLS/bin/uv ]]; then
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install --quiet uv
fi
compile() {
  "$TOOLS/bin/uv" pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
    --no-header --quiet "$@"
}
# The development lock first; the runtime lock takes the same versions of what they share.
compile --extra hyperscan --extra postgres --extra workers --extra mlflow --extra dev -o requirements/dev.lock
compile --extra hyperscan --constraint requirements/dev.lock -o requirements/runtime.lock
# The team server's image (compose.yaml): runtime, PostgreSQL driver and the scan workers.
compile --extra hyperscan --extra postgres --extra workers --constraint requirements/dev.lock -o requirements/server.lock
# Test-only model libraries: exact versions as constraints, without hashes (pip takes the CPU
# build of torch that lies on disk, whose hash no index knows).
"$TOOLS/bin/uv" pip compile pyproject.toml --universal --python-version 3.11 --no-header --quiet \
  --extra model-libs --constraint requirements/dev.lock -o requirements/model-libs.txt
echo "wrote requirements/runtime.lock, requirements/dev.lock, requirements/server.lock and requirements/model-libs.txt"
