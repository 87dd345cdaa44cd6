#!/usr/bin/env bash
# `npm run demo:agents`: pairbench's terse loop against two installed agents, pi and
# opencode, paired on the three seed tasks against the simulated llama-server, then the
# report with their ratio rows and per-turn tables. The agents install once into
# ~/.cache/pairbench/agents (about 560 MB from npm); later runs reuse them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

DB=.pairbench/demo-agents.db
TIME_SCALE="${PAIRBENCH_DEMO_TIME_SCALE:-0.15}"

node bin/pairbench.js run \
  --harness terse pi opencode --task all --trials "${PAIRBENCH_DEMO_TRIALS:-2}" \
  --serving simulated --time-scale "$TIME_SCALE" \
  --db "$DB"

node bin/pairbench.js report --db "$DB"
