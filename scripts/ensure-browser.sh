#!/usr/bin/env bash
# Ensures Debian's Chromium is present for the end-to-end tests (playwright-core drives it; it
# never downloads a browser). Installs it with apt when running as root on Debian; otherwise
# fails saying exactly what to install.
set -euo pipefail
BROWSER="${PAYWATCH_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$BROWSER" ]]; then exit 0; fi
if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
  echo "browser: installing Debian's chromium with apt-get (end-to-end tests)…" >&2
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  fi
  [[ -x "$BROWSER" ]] && exit 0
fi
echo "browser: ERROR: Chromium not found at $BROWSER. Install Debian's package: apt-get install -y chromium (or set PAYWATCH_CHROMIUM to a Chromium binary)." >&2
exit 1
