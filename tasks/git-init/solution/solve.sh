#!/bin/bash
# Reference solution for git-init: seven commands, one per action. No cd: each command
# may run in a fresh shell, so every git call names the repository with -C.

mkdir -p /app/project

git init /app/project

git -C /app/project branch -m main

printf '# greeter\n\nSays hello.\n' > /app/project/README.md

printf '*.log\n/build/\n' > /app/project/.gitignore

git -C /app/project add README.md .gitignore

git -C /app/project -c user.name='Ada Lovelace' -c user.email='ada@example.com' commit -m 'Initial commit'
