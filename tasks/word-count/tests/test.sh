#!/bin/bash
# Verifier for word-count: runs /app/wc.sh on files the agent has never seen and checks
# that the output is exactly the expected count and a newline, for every one of them.
mkdir -p /logs/verifier
finish() {
  echo "$1" > /logs/verifier/reward.txt
  echo "reward: $1"
  exit 0
}

script=/app/wc.sh
if [ ! -f "$script" ]; then
  echo "FAIL: $script does not exist"
  finish 0
fi
if [ ! -x "$script" ]; then
  echo "FAIL: $script is not executable"
  finish 0
fi

work=$(mktemp -d)
: > "$work/empty.txt"
printf '   \n\t \n\n  \t' > "$work/whitespace only.txt"
printf 'alpha\tbeta\ngamma\n\n\tdelta epsilon' > "$work/tabs-newlines.txt"
printf '   one    two     three   \n' > "$work/spaces.txt"
printf 'hello, world! it'"'"'s -- fine.\n' > "$work/punctuation.txt"
printf 'solo' > "$work/one.txt"
for i in $(seq 1 2500); do printf 'lorem ipsum\tdolor  sit amet %d\n' "$i"; done > "$work/long.txt"

failures=0
check() { # file expected-count
  local out status
  out=$(timeout 20 "$script" "$1" < /dev/null 2> "$work/stderr"; echo "status:$?")
  status=${out##*status:}
  out=${out%status:*}
  if [ "$status" != 0 ]; then
    echo "FAIL: $(basename "$1"): exit status $status; stderr: $(head -c 300 "$work/stderr")"
    failures=$((failures + 1))
  elif [ "$out" != "$2"$'\n' ]; then
    echo "FAIL: $(basename "$1"): expected $(printf '%q' "$2"$'\n'), got $(printf '%q' "$out" | head -c 200)"
    failures=$((failures + 1))
  else
    echo "ok: $(basename "$1"): $2"
  fi
}

check "$work/empty.txt" 0
check "$work/whitespace only.txt" 0
check "$work/tabs-newlines.txt" 5
check "$work/spaces.txt" 3
check "$work/punctuation.txt" 5
check "$work/one.txt" 1
check "$work/long.txt" 15000

if [ "$failures" -eq 0 ]; then
  echo "PASS: all 7 files counted exactly"
  finish 1
fi
echo "FAIL: $failures of 7 files counted wrong"
finish 0
