#!/usr/bin/env bash
# Re-locks requirements/NAME.txt from the exact top-level pins in requirements/NAME.in:
# resolves them in a throw-away venv and freezes every package it installed, exactly.
# Usage: scripts/lock-python.sh main|seed   (then commit both files)
set -euo pipefail
cd "$(dirname "$0")/.."
name="${1:?usage: scripts/lock-python.sh main|seed}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
PIP_DISABLE_PIP_VERSION_CHECK=1 "$tmp/venv/bin/pip" install --quiet -r "requirements/$name.in"
{
  echo "# Locked from requirements/$name.in by scripts/lock-python.sh on CPython $("$tmp/venv/bin/python" -c 'import platform; print(platform.python_version())'). Do not edit by hand."
  "$tmp/venv/bin/pip" freeze --all --exclude pip --exclude setuptools --exclude wheel
} >"requirements/$name.txt"
echo "requirements/$name.txt: $(grep -vc '^#' "requirements/$name.txt") packages"
