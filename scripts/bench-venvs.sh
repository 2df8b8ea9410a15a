#!/usr/bin/env bash
# The benchmarks' peers that the test environment does not hold: JupyterLab for test/bench/web.bench.ts,
# in .cache/jlab-venv, from test/bench/requirements-jupyterlab.txt (pinned). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="uv"; command -v uv >/dev/null 2>&1 || UV="python3 -m uv"
if [ ! -x .cache/jlab-venv/bin/python ]; then
  $UV venv --quiet --python "$(command -v python3)" --python-preference only-system .cache/jlab-venv
fi
$UV pip install --quiet --python .cache/jlab-venv/bin/python -r test/bench/requirements-jupyterlab.txt
.cache/jlab-venv/bin/jupyter-lab --version
