#!/usr/bin/env bash
# Installs what the example apps and the tests need, when it is missing: Debian packages, then
# the project's Python environments (scripts/python-env.sh: pinned venvs under .cache/python/).
# Usage: scripts/prereqs.sh start|test   (fast when everything is present)
set -euo pipefail
mode="${1:-test}"
pkgs=()
command -v openssl >/dev/null || pkgs+=(openssl)   # the OAuth tests' certificate
command -v rg >/dev/null || pkgs+=(ripgrep)                                          # code-server's install
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || pkgs+=(libkrb5-dev) # code-server's install
command -v ps >/dev/null || pkgs+=(procps)
[ -x /usr/bin/python3 ] || pkgs+=(python3)  # npm start's fallback; the host suite's interpreter without Panel
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)                                         # the end-to-end suite
fi
python_envs() {
  # start: the examples' environment; test: it and the seed's (Panel 1.4.4 + adlfs 2023.8).
  local envs=(main)
  [ "$mode" = test ] && envs+=(seed)
  for e in "${envs[@]}"; do
    if ! bash scripts/python-env.sh "$e" >/dev/null; then
      [ "$mode" = start ] || exit 1
      echo "prereqs: the Python environment could not be made: the examples that need Panel, Streamlit, Dash … will not run (see above)." >&2
    fi
  done
}
cd "$(dirname "$0")/.."
if [ ${#pkgs[@]} -eq 0 ]; then python_envs; exit 0; fi

echo "prereqs: installing Debian packages: ${pkgs[*]}" >&2
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "prereqs: run as root: apt-get update && apt-get install -y ${pkgs[*]}" >&2
    exit 1
  fi
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
python_envs
