#!/usr/bin/env bash
# The long crash torture alone (120 studies, 60 SIGKILLs, DCMTK dcmqrscp as the PACS): updates its
# entry in test/reliability/results/figures.json (the other suites' figures stay) and figures.md.
# TORTURE_SEED=<n> repeats a run; TORTURE_STUDIES=<n> changes the size.
set -euo pipefail
cd "$(dirname "$0")/../.."
RELIABILITY_LONG=1 npx vitest run test/reliability/crash-torture.test.ts "$@"
npx tsx scripts/reliability/figures-md.ts
