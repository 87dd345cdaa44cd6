#!/bin/bash
# Verifier for git-init: checks the branch, the one commit, its author and message, both
# blobs byte for byte, the tree's contents, and that nothing is left uncommitted.
mkdir -p /logs/verifier
repo=/app/project
work=$(mktemp -d)
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
finish() {
  echo "$1" > /logs/verifier/reward.txt
  echo "reward: $1"
  exit 0
}
g() { git -c safe.directory='*' -C "$repo" "$@"; }

if ! g rev-parse --git-dir > /dev/null 2>&1; then
  echo "FAIL: $repo is not a git repository"
  finish 0
fi

branch=$(g symbolic-ref --short HEAD 2> /dev/null)
[ "$branch" = main ] && ok "current branch is main" || fail "current branch is '$branch', expected 'main'"

branches=$(g for-each-ref --format='%(refname:short)' refs/heads | tr '\n' ' ')
[ "$branches" = "main " ] && ok "main is the only branch" || fail "branches are '$branches', expected only 'main'"

if ! g rev-parse --verify -q HEAD > /dev/null; then
  fail "no commit on HEAD"
  echo "FAIL: $failures checks failed"
  finish 0
fi

count=$(g rev-list --count --all)
[ "$count" = 1 ] && ok "exactly one commit" || fail "$count commits, expected exactly 1"

message=$(g log -1 --format=%B HEAD)
[ "$message" = "Initial commit" ] && ok "message is 'Initial commit'" || fail "message is '$message', expected 'Initial commit'"

author=$(g log -1 --format='%an <%ae>' HEAD)
[ "$author" = "Ada Lovelace <ada@example.com>" ] && ok "author is $author" || fail "author is '$author', expected 'Ada Lovelace <ada@example.com>'"

files=$(g ls-tree -r --name-only HEAD | tr '\n' ' ')
[ "$files" = ".gitignore README.md " ] && ok "commit holds .gitignore and README.md" || fail "commit holds '$files', expected '.gitignore README.md '"

printf '# greeter\n\nSays hello.\n' > "$work/README.md"
printf '*.log\n/build/\n' > "$work/.gitignore"
for f in README.md .gitignore; do
  : > "$work/blob"
  if g cat-file blob "HEAD:$f" > "$work/blob" 2> /dev/null && cmp -s "$work/blob" "$work/$f"; then
    ok "$f blob matches byte for byte"
  else
    fail "$f blob differs from the expected $(wc -c < "$work/$f") bytes; got: $(od -c "$work/blob" | head -n 4 | tr '\n' ' ')"
  fi
done

status=$(g status --porcelain --untracked-files=all)
[ -z "$status" ] && ok "index and worktree are clean" || fail "uncommitted changes: $(echo "$status" | head -n 10 | tr '\n' ' ')"

if [ "$failures" -eq 0 ]; then
  echo "PASS: all checks passed"
  finish 1
fi
echo "FAIL: $failures checks failed"
finish 0
