#!/usr/bin/env bash
# The benchmarks' peers that the test environment does not hold: JupyterLab for test/bench/web.bench.ts,
# in .cache/jlab-venv, from test/bench/requirements-jupyterlab.txt, and MLflow's full server for
# test/bench/models.bench.ts, in .cache/mlflow-venv, from test/bench/requirements-mlflow.txt (both pinned).
# Safe to run again; `bash scripts/bench-venvs.sh mlflow` makes only the MLflow one.
set -euo pipefail
cd "$(dirname "$0")/.."
UV="uv"; command -v uv >/dev/null 2>&1 || UV="python3 -m uv"
venv() { # NAME REQUIREMENTS
  if [ ! -x ".cache/$1/bin/python" ]; then
    $UV venv --quiet --python "$(command -v python3)" --python-preference only-system ".cache/$1"
  fi
  $UV pip install --quiet --python ".cache/$1/bin/python" -r "$2"
}
if [ "${1:-all}" != mlflow ]; then
  venv jlab-venv test/bench/requirements-jupyterlab.txt
  .cache/jlab-venv/bin/jupyter-lab --version
fi
venv mlflow-venv test/bench/requirements-mlflow.txt
.cache/mlflow-venv/bin/mlflow --version
