#!/usr/bin/env bash
# Installs what `make` and `make test` need when it is missing, so that on a fresh
# Debian machine with a Swift 6 toolchain those two commands are all it takes.
#
#   scripts/setup.sh build   what the build needs: the libpq, libcrypto, hiredis and libcurl headers, pkg-config
#   scripts/setup.sh test    that, plus what the tests need: a PostgreSQL server and psql,
#                            redis-server, git, python3, and the Python oracles (chdb,
#                            jsonschema, pre-commit, squawk) in the git-ignored .venv
#
# The Makefile runs it before every build, so it is quiet when nothing is missing and
# that check is only file and command look-ups. System packages come from apt-get (as
# root, or through sudo when it needs no password); their services are kept from
# starting, since the tests start throwaway servers of their own.
set -euo pipefail

part="${1:-build}"
case "$part" in
  build | test) ;;
  *) echo "usage: scripts/setup.sh [build|test]" >&2; exit 2 ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"

has() { command -v "$1" >/dev/null 2>&1; }

# System packages (Debian names) that are missing, in `apt`.
apt=()
missing_system_packages() {
  [ -f /usr/include/postgresql/libpq-fe.h ] || apt+=(libpq-dev)
  [ -f /usr/include/openssl/sha.h ] || apt+=(libssl-dev)
  [ -f /usr/include/hiredis/hiredis.h ] || apt+=(libhiredis-dev)
  has pkg-config || apt+=(pkg-config)
  # The static Foundation of `make release` links libcurl (URLSession, the ClickHouse driver).
  compgen -G '/usr/lib/*/libcurl.so' >/dev/null || [ -e /usr/lib/libcurl.so ] || apt+=(libcurl4-openssl-dev)
  # Under make (MAKELEVEL set) make is evidently there.
  [ -n "${MAKELEVEL:-}" ] || has make || apt+=(make)
  [ "$part" = test ] || return 0
  has pg_ctl || compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || apt+=(postgresql postgresql-contrib)
  has psql || apt+=(postgresql-client)
  has redis-server || [ -x /usr/bin/redis-server ] || apt+=(redis-server)
  has git || apt+=(git)
  has python3 || apt+=(python3)
  # python3-venv (ensurepip) matters only when .venv is still to be made; checking
  # it means starting Python, which the fast path leaves out.
  if [ -z "$have_venv" ] && ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt+=(python3-venv)
  fi
}

# The Python packages missing from .venv, in `pip`; `have_venv` is empty when .venv
# has no working interpreter yet. File checks only: a package's directory in
# site-packages, a tool's script in .venv/bin.
pip=()
have_venv=""
missing_python_packages() {
  [ "$part" = test ] || return 0
  if ! [ -x "$venv/bin/python" ] || ! [ -x "$venv/bin/pip" ]; then
    pip=(chdb jsonschema pre-commit squawk-cli)
    return 0
  fi
  have_venv=1
  local site="$venv/lib/python3*/site-packages"
  compgen -G "$site/chdb/__init__.py" >/dev/null || pip+=(chdb)
  compgen -G "$site/jsonschema/__init__.py" >/dev/null || pip+=(jsonschema)
  [ -x "$venv/bin/pre-commit" ] || pip+=(pre-commit)
  # squawk-cli is the PostgreSQL migration linter; its wheel holds the `squawk` binary.
  [ -x "$venv/bin/squawk" ] || pip+=(squawk-cli)
}

missing_python_packages
missing_system_packages

[ ${#apt[@]} -eq 0 ] && [ ${#pip[@]} -eq 0 ] && exit 0

if [ ${#apt[@]} -gt 0 ]; then
  if ! has apt-get; then
    echo "setup: missing system packages (Debian names): ${apt[*]}; there is no apt-get here, so install them, or this system's equivalents, by hand" >&2
    exit 1
  fi
  if [ "$(id -u)" = 0 ]; then
    as_root() { "$@"; }
  elif has sudo && sudo -n true 2>/dev/null; then
    as_root() { sudo -n "$@"; }
  else
    echo "setup: missing system packages: ${apt[*]}; install them with: sudo apt-get install ${apt[*]}" >&2
    exit 1
  fi
fi

what=()
[ ${#apt[@]} -eq 0 ] || what+=("${apt[*]} (apt)")
[ ${#pip[@]} -eq 0 ] || what+=("${pip[*]} (pip, in .venv)")
if [ ${#what[@]} -eq 2 ]; then
  echo "setup: installing ${what[0]}; ${what[1]}"
else
  echo "setup: installing ${what[0]}"
fi

if [ ${#apt[@]} -gt 0 ]; then
  log="$(mktemp)"
  policy=""
  cleanup() {
    if [ -n "$policy" ]; then as_root rm -f /usr/sbin/policy-rc.d; fi
    rm -f "$log"
  }
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # The packages' own servers (postgresql, redis) are not used: keep their services
  # from starting while they install. An existing policy-rc.d is left as it is.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=1
    as_root sh -c 'printf "#!/bin/sh\nexit 101\n" > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d'
  fi
  apt_get() { as_root env DEBIAN_FRONTEND=noninteractive apt-get "$@"; }
  if ! { apt_get update -qq && apt_get install -y -qq --no-install-recommends "${apt[@]}"; } >"$log" 2>&1; then
    cat "$log" >&2
    echo "setup: apt-get could not install ${apt[*]}" >&2
    exit 1
  fi
fi

if [ ${#pip[@]} -gt 0 ]; then
  if [ -z "$have_venv" ]; then
    # --clear: a .venv left half made, or whose interpreter has gone, starts afresh.
    python3 -m venv --clear "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${pip[@]}"
fi
