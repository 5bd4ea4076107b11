#!/usr/bin/env bash
# Installs, builds and starts Pajataulu on the embedded default: one process, SQLite under ./data,
# port 8080 (or $PORT). Configuration: README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_pnpm
install_deps
pnpm -r build
# Two malloc arenas: memory the export workers free is reused instead of staying mapped per
# thread (SERVER_MALLOC_ARENAS in server/src/spawn.ts says what it was measured to save).
export MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}"
exec node server/dist/main.js
