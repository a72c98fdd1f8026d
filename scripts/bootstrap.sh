#!/usr/bin/env bash
# Set up a fresh Debian/Ubuntu machine for scraper (as root, or a user with sudo): a virtualenv
# with the package and a Chromium; with --test also the OS packages the tests use. Safe to run
# again: it installs only what is missing.
#
#   scripts/bootstrap.sh                  set up, then show `scraper doctor`
#   scripts/bootstrap.sh --test           also TEST_PACKAGES and the Python test tools (`make test`)
#   scripts/bootstrap.sh --which-browser  print where a Chromium would come from, install nothing:
#                                         `apt PACKAGE` (the OS packages) or `playwright` (its download)
set -euo pipefail
cd "$(dirname "$0")/.."

# Every OS package the test suite needs (Debian names). Add yours here: CI installs nothing else.
#   postgresql: the tests start their own server on a free port; shellcheck: `make lint`;
#   openssl: the evidence tests run a timestamp authority with `openssl ts`;
#   wordpress, its themes, mariadb-server and php: the test WordPress (tests/sites/wordpress), served
#   by PHP's built-in server from a throwaway MariaDB the tests start and stop themselves;
#   systemd: `systemd-analyze verify` checks deploy/scraper.service; curl: the README's demo-site
#   examples are run as written; redis-server: the scale-out tests' broker (tests/fixtures/redis.py);
#   faketime: a process whose clock is off (tests/test_outbox_senders.py).
TEST_PACKAGES=(postgresql shellcheck openssl
  wordpress wordpress-theme-twentytwentyone wordpress-theme-twentytwentytwo
  wordpress-theme-twentytwentythree mariadb-server php-cli php-mysql php-mbstring php-xml
  systemd curl redis-server faketime)
# OS packages that can hold a real Chromium, by preference (Ubuntu's are snap stubs: skipped).
CHROMIUM_PACKAGES=(chromium chromium-browser)
# What scraper's own discovery looks for on PATH (scraper/browser/discovery.py).
CHROMIUM_COMMANDS=(chromium chromium-browser google-chrome google-chrome-stable)

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
export DEBIAN_FRONTEND=noninteractive

say() {
  if [ -t 2 ]; then printf '\033[1m==> %s\033[0m\n' "$*" >&2; else printf '==> %s\n' "$*" >&2; fi
}
die() { say "$*"; exit 1; }

usage() {
  sed -n '2,9s/^# \{0,1\}//p' "$0"
}

mode=setup
case "${1:-}" in
  "") ;;
  --test) mode="test" ;;
  --which-browser) mode=which-browser ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; say "unknown option: $1"; exit 2 ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    say "need root (or sudo) for: $*"
    return 1
  fi
}

apt_updated=0
apt_update() {
  [ "$apt_updated" -eq 1 ] && return 0
  as_root apt-get update -qq && apt_updated=1
}

apt_install() {
  command -v apt-get >/dev/null || { say "no apt-get here: install $* by hand"; return 1; }
  apt_update && as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- the browser decision ----------------------------------------------------------------------

# A snap stub (Ubuntu): a script or link that only hands over to /snap/bin/chromium, which
# Playwright cannot drive (the snap's confinement hides its profile folder).
is_snap_stub() {
  local path
  path=$(readlink -f "$1")
  case $path in /snap/*) return 0 ;; esac
  [ "$(head -c 2 "$path" 2>/dev/null)" = '#!' ] && grep -qs '/snap/' "$path"
}

# The path of a Chromium scraper will find (an override, a command on PATH, Playwright's download).
present_chromium() {
  local name path
  if [ -n "${SCRAPER_BROWSER:-}" ]; then
    if ! { [ -f "$SCRAPER_BROWSER" ] && [ -x "$SCRAPER_BROWSER" ]; }; then return 2; fi
    printf '%s\n' "$SCRAPER_BROWSER"
    return 0
  fi
  for name in "${CHROMIUM_COMMANDS[@]}"; do
    path=$(command -v "$name") || continue
    is_snap_stub "$path" || { printf '%s\n' "$path"; return 0; }
  done
  for path in "${PLAYWRIGHT_BROWSERS_PATH:-${HOME:-/root}/.cache/ms-playwright}"/chromium-*/chrome-*/chrome; do
    [ -x "$path" ] && { printf '%s\n' "$path"; return 0; }
  done
  return 1
}

# apt offers $1 as a real package: a candidate version, and not a snap stub.
apt_offers() {
  local record version_re=$'(^|\n)Version: '
  # Ubuntu's transitional debs depend on snapd and say so in their description.
  local snap_re=$'(^|\n)((Pre-)?Depends:[^\n]*snapd|Description[^:\n]*:[^\n]*[^[:alnum:]]snap([^[:alnum:]]|$))'
  # The candidate's record (what `apt-get install` would take; empty when there is none), captured
  # whole and then matched: `apt-cache policy … | grep -q …` under pipefail failed at random
  # (grep exits at its first match, apt-cache dies of SIGPIPE, the pipeline reports 141).
  record=$(apt-cache show --no-all-versions "$1" 2>/dev/null) || return 1
  [[ $record =~ $version_re ]] && ! [[ $record =~ $snap_re ]]
}

# Where a Chromium would come from: `apt PACKAGE`, else `playwright`. Reads apt's package lists
# as they are (no update), changes nothing.
browser_source() {
  local package
  if command -v apt-cache >/dev/null; then
    for package in "${CHROMIUM_PACKAGES[@]}"; do
      if apt_offers "$package"; then
        printf 'apt %s\n' "$package"
        return 0
      fi
    done
  fi
  printf 'playwright\n'
}

if [ "$mode" = which-browser ]; then
  if found=$(present_chromium); then say "a Chromium is already here: $found (bootstrap installs none)"; fi
  browser_source
  exit 0
fi

# --- Python ------------------------------------------------------------------------------------

if ! command -v "$PYTHON" >/dev/null; then
  say "installing Python 3"
  apt_install python3 python3-venv || die "scraper needs Python 3.11 or newer: install it, then run this again"
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || die "scraper needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." \
         "Install one (e.g. python3.11 and python3.11-venv) and run: PYTHON=python3.11 $0"
"$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv \
  || die "$PYTHON cannot make virtualenvs: install its venv module (Debian: python3-venv)"

# --- OS packages for the tests -----------------------------------------------------------------

installed() {
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [ "$status" = "install ok installed" ]
}

if [ "$mode" = test ]; then
  if command -v dpkg-query >/dev/null; then
    missing=()
    for package in "${TEST_PACKAGES[@]}"; do installed "$package" || missing+=("$package"); done
    if [ "${#missing[@]}" -gt 0 ]; then
      say "installing the test tools: ${missing[*]}"
      apt_install "${missing[@]}" || die "could not install ${missing[*]}: install them, then run this again"
    fi
  else
    say "not a Debian/Ubuntu system: make sure these (Debian names) are installed: ${TEST_PACKAGES[*]}"
  fi
fi

# --- the virtualenv ----------------------------------------------------------------------------

# `install NAME COMMAND...`: run an installer quietly; its output only when it failed, or what it
# warned of (a pip config may name a local package folder that is not there: that warning is noise).
install() {
  local name=$1 log
  shift
  if ! log=$("$@" 2>&1); then
    printf '%s\n' "$log" >&2
    die "$name failed (above)"
  fi
  if [ -n "$log" ]; then printf '%s\n' "$log" | grep -v 'is ignored' >&2 || true; fi
}

if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
extra=""
[ "$mode" = test ] && extra="[test]"
say "installing scraper$extra into $VENV"
# The versions the tests ran on (constraints.txt, the lock file; `make lock` renews it), installed by
# uv (itself pinned there): the same packages as `pip install -c constraints.txt` in a third of the
# time on a new machine, a tenth with uv's cache (docs/development.md, "What a run costs").
# --compile-bytecode as pip does: otherwise every first import compiles (each test worker and
# each `scraper` a test starts), and third-party modules' compile warnings reach the test output.
install "pip install uv" "$VENV/bin/python" -m pip install -q -c constraints.txt uv
install "uv pip install" "$VENV/bin/uv" pip install -q --compile-bytecode --python "$VENV/bin/python" \
  -c constraints.txt -e ".$extra"

# --- Chromium ----------------------------------------------------------------------------------

playwright_chromium() {
  # The OS libraries need root; the browser goes to the user's own cache, where scraper looks.
  as_root "$VENV/bin/playwright" install-deps chromium || say "Playwright could not install Chromium's libraries"
  "$VENV/bin/playwright" install chromium
}

install_chromium() {
  local source
  if command -v apt-get >/dev/null; then apt_update || true; fi  # current lists before deciding
  source=$(browser_source)
  if [ "$source" != playwright ]; then
    say "installing Chromium from the OS packages (${source#apt })"
    apt_install "${source#apt }" && return 0
    say "apt-get could not install ${source#apt }: trying Playwright's download instead"
  else
    say "the OS packages offer no Chromium: installing Playwright's download"
  fi
  playwright_chromium && return 0
  die "no Chromium: install Chromium or Google Chrome (Debian: apt-get install chromium), or" \
      "\`$VENV/bin/playwright install chromium\` where its download site is reachable, or set" \
      "SCRAPER_BROWSER to a Chromium executable; then run this again"
}

present=0
found=$(present_chromium) || present=$?
if [ "$present" -eq 0 ]; then
  say "Chromium: $found"
elif [ "$present" -eq 2 ]; then
  die "SCRAPER_BROWSER=$SCRAPER_BROWSER is not an executable file: correct it, or unset it"
else
  install_chromium
fi

# Chromium's headless shell, where the OS packages it (Debian): scraper prefers it, for pages that
# cost a third of the CPU and half the memory (scraper/browser/discovery.py). Optional: without
# it, the full Chromium runs the pages.
if [ -z "${SCRAPER_BROWSER:-}" ] && command -v apt-cache >/dev/null && ! installed chromium-headless-shell; then
  apt_update || true
  if apt_offers chromium-headless-shell; then
    say "installing Chromium's headless shell (lighter pages)"
    apt_install chromium-headless-shell || say "chromium-headless-shell could not be installed: the full Chromium will run the pages"
  fi
fi

if [ "$mode" = setup ]; then
  # What is there and what is not, each with its fix (scraper doctor is also the first thing to
  # run when something fails later).
  "$VENV/bin/scraper" doctor || say "scraper doctor found something missing (above)"
fi
say "ready"
