#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for scraper: a virtualenv with the package, a Chromium,
# and with --test the test tools and a PostgreSQL server binary. Safe to run again: it only
# installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
export DEBIAN_FRONTEND=noninteractive

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root for: $*"; return 1; fi
}

apt_updated=0
apt_install() {
  command -v apt-get >/dev/null || { say "no apt-get: install $* by hand"; return 1; }
  if [ "$apt_updated" -eq 0 ]; then as_root apt-get update -qq; apt_updated=1; fi
  as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Python 3.11+ with venv support.
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { say "scraper needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version))"; exit 1; }
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv

# Chromium: an override, Playwright's own download, or the system's; else install one.
have_chromium() {
  [ -n "${SCRAPER_BROWSER:-}" ] && return 0
  for b in chromium chromium-browser google-chrome google-chrome-stable; do
    command -v "$b" >/dev/null && return 0
  done
  ls "${PLAYWRIGHT_BROWSERS_PATH:-$HOME/.cache/ms-playwright}"/chromium-*/ >/dev/null 2>&1
}

if [ "$want_test" -eq 1 ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  say "installing PostgreSQL (the tests start their own server on a free port)"
  apt_install postgresql
fi
# systemd-analyze checks deploy/scraper.service; curl runs the README's demo-site examples.
if [ "$want_test" -eq 1 ] && ! { command -v systemd-analyze && command -v curl; } >/dev/null; then
  say "installing systemd (systemd-analyze) and curl for the tests"
  apt_install systemd curl
fi

if [ "$want_test" -eq 1 ] && ! command -v openssl >/dev/null; then
  say "installing OpenSSL (the evidence tests run a timestamp authority with \`openssl ts\`)"
  apt_install openssl
fi

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
extra=""
[ "$want_test" -eq 1 ] && extra="[test]"
say "installing scraper$extra into $VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip 2>&1 | grep -v "is ignored" || true
"$VENV/bin/python" -m pip install -q -e ".$extra" 2>&1 | grep -v "is ignored" || true
"$VENV/bin/python" -c "import scraper.cli" || { say "the install failed"; exit 1; }

if ! have_chromium; then
  # Debian ships a real chromium package; where it has none (Ubuntu's is a snap stub),
  # Playwright downloads its own build together with the libraries it needs.
  if command -v apt-cache >/dev/null && as_root apt-get update -qq && apt_updated=1 \
     && apt-cache policy chromium 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    say "installing Chromium from the OS packages"
    apt_install chromium
  else
    say "installing Playwright's Chromium"
    as_root "$VENV/bin/playwright" install --with-deps chromium
  fi
fi
say "ready"
