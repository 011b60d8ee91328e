#!/bin/sh
# Print a Python interpreter that can import torch: $V2F_PYTHON, then
# Debian's /usr/bin/python3, then python3 on PATH. Fails with a clear
# message when none can.
for py in "${V2F_PYTHON:-}" /usr/bin/python3 python3; do
  [ -n "$py" ] || continue
  if "$py" -c "import torch" >/dev/null 2>&1; then
    command -v "$py"
    exit 0
  fi
done
echo "no Python with torch found (tried \$V2F_PYTHON, /usr/bin/python3, python3):" \
     "install python3-torch (Debian) or set V2F_PYTHON" >&2
exit 1
