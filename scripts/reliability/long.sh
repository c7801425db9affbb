#!/usr/bin/env bash
# The long reliability run: crash torture over 120 studies, 10 000 mutants (1 000 over the wire),
# a 5-minute ingest soak; one test file at a time so the soak measures the node alone.
# Figures land in test/reliability/results/figures.json and figures.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
rm -f test/reliability/results/figures.json
RELIABILITY_LONG=1 npx vitest run test/reliability --no-file-parallelism "$@"
npx tsx scripts/reliability/figures-md.ts
