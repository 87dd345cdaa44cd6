#!/bin/bash
# Verifier for fizzbuzz: runs /app/fizzbuzz.py and compares its output, byte for byte,
# with FizzBuzz for 1..100 computed here in bash (independently of the agent's Python).
mkdir -p /logs/verifier
finish() {
  echo "$1" > /logs/verifier/reward.txt
  echo "reward: $1"
  exit 0
}

script=/app/fizzbuzz.py
if [ ! -f "$script" ]; then
  echo "FAIL: $script does not exist"
  finish 0
fi

work=$(mktemp -d)
for i in $(seq 1 100); do
  if (( i % 15 == 0 )); then echo FizzBuzz
  elif (( i % 3 == 0 )); then echo Fizz
  elif (( i % 5 == 0 )); then echo Buzz
  else echo "$i"
  fi
done > "$work/expected"

echo "running: python3 $script"
timeout 20 python3 "$script" > "$work/actual" 2> "$work/stderr" < /dev/null
status=$?
if [ "$status" -ne 0 ]; then
  echo "FAIL: exit status $status (expected 0); stderr:"
  head -c 2000 "$work/stderr"
  finish 0
fi

if cmp -s "$work/expected" "$work/actual"; then
  echo "PASS: output matches FizzBuzz for 1..100 exactly ($(wc -c < "$work/actual") bytes)"
  finish 1
fi
echo "FAIL: output differs from the expected 100 lines (diff expected actual, first 40 lines):"
diff "$work/expected" "$work/actual" | head -n 40
finish 0
