# Shared helpers for scripts/start.sh and scripts/test.sh (sourced, not run).

# Minimum Node.js major version.
PAJATAULU_NODE_MAJOR=20

require_node() {
  if ! command -v node >/dev/null 2>&1; then
    echo "Pajataulu needs Node.js ${PAJATAULU_NODE_MAJOR} or newer: https://nodejs.org/" >&2
    exit 1
  fi
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$major" -lt "$PAJATAULU_NODE_MAJOR" ]; then
    echo "Pajataulu needs Node.js ${PAJATAULU_NODE_MAJOR} or newer; this is $(node -v)." >&2
    exit 1
  fi
}

# pnpm 10 from the npm registry (corepack is not assumed). Installs it for this user when missing.
ensure_pnpm() {
  require_node
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version | cut -d. -f1)" = "10" ]; then
    return
  fi
  echo "Installing pnpm 10 with npm…" >&2
  if ! npm install -g pnpm@10 >/dev/null 2>&1; then
    npm install -g --prefix "$HOME/.local" pnpm@10 >/dev/null
    export PATH="$HOME/.local/bin:$PATH"
  fi
  hash -r
  pnpm --version >/dev/null
}

# Dependencies exactly as locked.
install_deps() {
  pnpm install --frozen-lockfile --reporter=append-only
}

# Chromium for the browser tests: Debian's package at /usr/bin/chromium, or $CHROMIUM_PATH.
ensure_chromium() {
  local path="${CHROMIUM_PATH:-/usr/bin/chromium}"
  if [ -x "$path" ]; then
    return
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Chromium from Debian's packages for the browser tests…" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core fonts-noto-color-emoji >/dev/null
    return
  fi
  cat >&2 <<MSG
The browser tests need Chromium, and none was found at $path.
Install it (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium
or Chrome binary, then run the tests again.
MSG
  exit 1
}

# nginx for the cluster test, which runs the example configuration (deploy/nginx.conf). Installed
# from Debian's packages when missing and run as root; otherwise that test says it skips and why.
ensure_nginx() {
  if [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; then
    return
  fi
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing nginx from Debian's packages for the cluster tests…" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null
    return
  fi
  echo "nginx is not installed (Debian/Ubuntu: sudo apt-get install nginx); the tests that run deploy/nginx.conf will skip." >&2
}
