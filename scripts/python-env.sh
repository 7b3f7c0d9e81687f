#!/usr/bin/env bash
# Makes the project's Python environment NAME (main | seed) in the ignored .cache/python/NAME
# from the pinned lock requirements/NAME.txt, and prints its interpreter's path.
# Reused when it is up to date; rebuilt when the lock file or the base interpreter changes.
# Usage: scripts/python-env.sh main|seed
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:-main}"
lock="requirements/$name.txt"
[ -f "$lock" ] || { echo "python-env: no lock file $lock" >&2; exit 2; }
venv=".cache/python/$name"

# The base: a CPython 3.11 that can make a venv (DAP_BASE_PYTHON, python3.11, python3,
# then Debian's /usr/bin/python3 with python3-venv). The lock holds cp311 wheels.
base_ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info[:2] != (3, 11))' >/dev/null 2>&1; }
base=""
for cand in "${DAP_BASE_PYTHON:-}" python3.11 python3 /usr/bin/python3; do
  [ -n "$cand" ] || continue
  p="$(command -v "$cand" 2>/dev/null || true)"
  [ -n "$p" ] && base_ok "$p" && { base="$p"; break; }
done
if [ -z "$base" ] && [ -x /usr/bin/python3 ] && [ "$(id -u)" = 0 ]; then
  echo "python-env: installing Debian's python3-venv" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  base_ok /usr/bin/python3 && base=/usr/bin/python3
fi
if [ -z "$base" ]; then
  echo "python-env: no CPython 3.11 with venv found (tried DAP_BASE_PYTHON, python3.11, python3, /usr/bin/python3)." >&2
  echo "python-env: install one (on Debian: apt-get install python3 python3-venv) or set DAP_BASE_PYTHON." >&2
  exit 1
fi

stamp="$(sha256sum "$lock" | cut -c1-64) $("$base" -c 'import sys; print(sys.version.split()[0], sys.base_prefix)')"
py="$PWD/$venv/bin/python"
if [ -x "$py" ] && [ "$(cat "$venv/.stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$py"
  exit 0
fi

echo "python-env: making $venv from $lock with $base (about 2 to 4 minutes the first time)" >&2
rm -rf "$venv"
"$base" -m venv "$venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
# (pip's notes about this machine's empty extra indexes are dropped; its errors are kept)
if ! "$py" -m pip install --quiet --no-deps --requirement "$lock" 2>&1 | { grep -v "^WARNING: Location '" >&2 || true; }; then
  echo "python-env: pip could not install $lock. Is PyPI reachable? (pip's error is above)" >&2
  rm -rf "$venv"
  exit 1
fi
"$py" -m pip check >&2 || { echo "python-env: the lock $lock is inconsistent (pip check above)" >&2; rm -rf "$venv"; exit 1; }
echo "$stamp" >"$venv/.stamp"
echo "$py"
