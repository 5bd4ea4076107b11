#!/usr/bin/env bash
# Installs, builds and starts Pajataulu on the embedded default: one process, SQLite under ./data,
# port 8080 (or $PORT). Configuration: README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_pnpm
install_deps
pnpm -r build
exec node server/dist/main.js
