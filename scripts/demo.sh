#!/usr/bin/env bash
# `npm run demo`: the paired seed sweep. terse against tmux on the three seed tasks, three
# trials each, on the simulated llama-server that pairbench starts and restarts between
# groups, then the report. Set-up (dependencies, build, Docker, base image) runs first and
# does nothing when already done.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash scripts/setup.sh

DB=.pairbench/demo.db
# 0.15 keeps the simulated model's latency in proportion while the whole sweep stays
# within a few minutes on a 2-core machine (time scale 1 = the cost model's real time).
TIME_SCALE="${PAIRBENCH_DEMO_TIME_SCALE:-0.15}"

node bin/pairbench.js run \
  --harness terse tmux --task all --trials 3 \
  --serving simulated --time-scale "$TIME_SCALE" \
  --restart-every group --group-by slot \
  --db "$DB"

# The report reads the latest sweep in the database: the one just run.
node bin/pairbench.js report --db "$DB"
