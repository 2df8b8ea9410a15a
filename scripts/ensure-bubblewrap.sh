#!/usr/bin/env bash
# Run before `npm start`: kernels run in bubblewrap's sandbox by default, so on a Debian machine
# where we are root (or have passwordless sudo) it is installed here; otherwise the server's own
# start-up message says what to do. Never fails: the server decides whether it can start.
if [ "${TANDEM_KERNEL_ISOLATION:-sandbox}" = "none" ] || command -v "${TANDEM_BWRAP:-bwrap}" >/dev/null 2>&1; then
  exit 0
fi
command -v apt-get >/dev/null 2>&1 || exit 0
SUDO=""
if [ "$(id -u)" != "0" ]; then
  sudo -n true 2>/dev/null || exit 0
  SUDO="sudo -n"
fi
echo "tandem: installing bubblewrap (the kernels' sandbox)…"
$SUDO apt-get update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq bubblewrap >/dev/null 2>&1 ||
  echo "tandem: could not install bubblewrap; install it (apt-get install bubblewrap) or set TANDEM_KERNEL_ISOLATION=none"
exit 0
