#!/usr/bin/env bash
# Runs every check and test: types, lint, unit and integration tests, browser (e2e) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_pnpm
install_deps
ensure_chromium
ensure_nginx
# The storage suite also runs against PostgreSQL when it can (each run in a schema of its own).
if [ -z "${DATABASE_URL:-}" ] && command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
  export DATABASE_URL="postgres://postgres@127.0.0.1:5432/test"
fi
# The cluster tests need Redis too (each run under a key prefix of its own).
if [ -z "${REDIS_URL:-}" ] && command -v redis-cli >/dev/null 2>&1 && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  export REDIS_URL="redis://127.0.0.1:6379"
fi
started=$(date +%s)
step() { printf '\n==> %s\n' "$*"; }
step "build";                 pnpm -r build
step "typecheck";             pnpm -r typecheck
step "lint";                  pnpm lint
step "unit and integration";  pnpm test:unit
# The fuzzer asserts /healthz latency of the server it attacks, so it runs alone, not beside the
# other suites on the same cores.
step "fuzz (short run)";      pnpm test:fuzz
step "browser (e2e)";         pnpm test:e2e
printf '\nAll checks and tests passed in %ss.\n' "$(( $(date +%s) - started ))"
