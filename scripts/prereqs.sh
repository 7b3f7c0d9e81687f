#!/usr/bin/env bash
# Installs the Debian packages the example apps and the tests need, if any are missing.
# Usage: scripts/prereqs.sh start|test   (fast no-op when everything is present)
set -euo pipefail
mode="${1:-test}"
pkgs=()
py=/usr/bin/python3
have_py() { [ -x "$py" ] && "$py" -c "import $1" >/dev/null 2>&1; }
[ -x "$py" ] || pkgs+=(python3)
have_py tornado || pkgs+=(python3-tornado)
have_py flask || pkgs+=(python3-flask)
have_py uvicorn || pkgs+=(python3-uvicorn)
have_py fastapi || pkgs+=(python3-fastapi)
have_py pandas || pkgs+=(python3-pandas)          # the warm-standby tests and benchmark
have_py matplotlib || pkgs+=(python3-matplotlib)  # the warm-standby tests and benchmark
have_py azure.storage.blob || pkgs+=(python3-azure)  # Azure: example apps and the broker tests
have_py azure.identity || pkgs+=(python3-azure)
command -v openssl >/dev/null || pkgs+=(openssl)   # the OAuth tests' certificate
command -v rg >/dev/null || pkgs+=(ripgrep)                                          # code-server's install
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || pkgs+=(libkrb5-dev) # code-server's install
command -v ps >/dev/null || pkgs+=(procps)
if [ "$mode" = test ]; then
  [ -x /usr/bin/chromium ] || pkgs+=(chromium)                                         # the end-to-end suite
fi
[ ${#pkgs[@]} -eq 0 ] && exit 0

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
