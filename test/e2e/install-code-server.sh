#!/usr/bin/env bash
# Installs code-server (a full VS Code that runs on node 20) into an ignored cache folder,
# working around its offline install traps (see ../shared/notes/e2e-real-vscode.md).
# Usage: test/e2e/install-code-server.sh  → prints the path of the code-server binary.
set -euo pipefail
VERSION="${CODE_SERVER_VERSION:-4.100.3}"
RIPGREP_PKG_VERSION="1.15.11"   # the @vscode/ripgrep that code-server 4.100.3 uses
RIPGREP_TAG="v13.0.0-10"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CACHE="${DAP_CACHE:-$ROOT/.vscode-test}"
PREFIX="$CACHE/code-server-$VERSION"
BIN="$PREFIX/node_modules/.bin/code-server"

if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then
  echo "$BIN"
  exit 0
fi

fail() { echo "install-code-server: $*" >&2; exit 1; }
command -v rg >/dev/null || fail "ripgrep is missing: apt-get install -y ripgrep"
[ -f /usr/include/krb5.h ] || [ -f /usr/include/gssapi/gssapi.h ] || fail "Kerberos headers are missing: apt-get install -y libkrb5-dev"

# Trap 3: @vscode/ripgrep downloads rg from GitHub unless its cache holds the tarball.
RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$RIPGREP_PKG_VERSION"
RG_TAR="$RG_CACHE/ripgrep-$RIPGREP_TAG-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TAR" ]; then
  mkdir -p "$RG_CACHE"
  tmp="$(mktemp -d)"
  cp "$(command -v rg)" "$tmp/rg"
  tar -C "$tmp" -czf "$RG_TAR" rg
  rm -rf "$tmp"
fi

rm -rf "$PREFIX"
mkdir -p "$PREFIX"
# A local install: a global one leaks npm_config_global/prefix into the nested npm that
# code-server's postinstall runs in lib/vscode, which then clobbers the tree.
echo '{ "name": "dap-code-server-cache", "private": true }' > "$PREFIX/package.json"
echo "install-code-server: installing code-server $VERSION into $PREFIX (about a minute)…" >&2
# Trap 1: its postinstall refuses root without unsafe-perm. Trap 4: node-pty's postinstall
# runs npx, cancelled when npm says yes=false. npm 11 also blocks dependency install scripts by
# default; this isolated install (and the nested npm its postinstall runs) needs them all.
if ! env npm_config_unsafe_perm=true npm_config_yes=true npm_config_dangerously_allow_all_scripts=true \
    npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false \
    npm install --prefix "$PREFIX" --no-audit --no-fund --no-save "code-server@$VERSION" >"$PREFIX.log" 2>&1; then
  tail -40 "$PREFIX.log" >&2
  fail "npm install of code-server@$VERSION failed (full log: $PREFIX.log)"
fi
"$BIN" --version >/dev/null 2>&1 || { tail -40 "$PREFIX.log" >&2; fail "code-server installed but does not run (log: $PREFIX.log)"; }
echo "$BIN"
