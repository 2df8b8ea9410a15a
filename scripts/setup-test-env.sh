#!/usr/bin/env bash
# Installs and starts everything the test suite needs on a fresh Debian machine:
# PostgreSQL (Debian's package), Chromium (Debian's package), uv and a Python test
# environment (.venv-test), and the npm dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
apt_updated=""
apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- PostgreSQL -------------------------------------------------------------
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "setup: installing postgresql"
  apt_install postgresql
fi
PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h 2>/dev/null | grep -q "^$PG_VERSION main"; then
  $SUDO pg_createcluster "$PG_VERSION" main >/dev/null
fi
if ! pg_lsclusters -h | grep -q "^$PG_VERSION main .* online"; then
  echo "setup: starting postgresql $PG_VERSION"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$PG_VERSION" main start
fi
# Tests connect over TCP as postgres/postgres (TEST_DATABASE_URL overrides).
$SUDO su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null

# --- Chromium (browser tests) -------------------------------------------------
if [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium"
  apt_install chromium
fi

# --- bubblewrap (the kernel sandbox, TANDEM_KERNEL_ISOLATION=sandbox) ---------
if ! command -v bwrap >/dev/null 2>&1; then
  echo "setup: installing bubblewrap"
  apt_install bubblewrap
fi

# --- Prometheus (promtool and a real server scrape /metrics in the monitoring tests) ---
if ! command -v promtool >/dev/null 2>&1 || ! command -v prometheus >/dev/null 2>&1; then
  echo "setup: installing prometheus"
  apt_install prometheus
fi

# --- Python: uv and the tests' environment ----------------------------------
if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  echo "setup: installing uv"
  python3 -m pip install --quiet uv
fi
UV="uv"; command -v uv >/dev/null 2>&1 || UV="python3 -m uv"
if [ ! -x .venv-test/bin/python ]; then
  $UV venv --quiet --python "$(command -v python3)" --python-preference only-system .venv-test
fi
# Compiled bytecode: kernels start in half the time where PYTHONDONTWRITEBYTECODE is set.
$UV pip install --quiet --compile-bytecode --python .venv-test/bin/python -r test/requirements.txt

# --- npm ---------------------------------------------------------------------
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages"
  # npm ci refuses this npm's lock files (platform-filtered optional packages); install keeps the lock.
  npm install --no-audit --no-fund
fi
# --- Web app (served by `tandem serve`, driven by the browser tests) ----------
node apps/web/scripts/build-if-stale.mjs
echo "setup: ready"
