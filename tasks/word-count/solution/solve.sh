#!/bin/bash
# Reference solution for word-count: write the script, then make it executable.

cat > /app/wc.sh <<'SH'
#!/bin/bash
# Reading stdin keeps the file name out of wc's output.
wc -w < "$1"
SH

chmod +x /app/wc.sh
