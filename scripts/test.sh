#!/usr/bin/env bash
# Runs every check and test: types, lint, unit and integration tests, browser (e2e) tests.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
ensure_pnpm
install_deps
ensure_chromium
started=$(date +%s)
step() { printf '\n==> %s\n' "$*"; }
step "build";                 pnpm -r build
step "typecheck";             pnpm -r typecheck
step "lint";                  pnpm lint
step "unit and integration";  pnpm test:unit
step "browser (e2e)";         pnpm test:e2e
printf '\nAll checks and tests passed in %ss.\n' "$(( $(date +%s) - started ))"
