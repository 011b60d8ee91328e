"""Generate tests/abi/layout.c from the public headers (tools/apigen).

Kept so existing commands work: the same as `python3 tools/apigen layout
[--check]` (--check: exit 1 when the checked-in file is out of date).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import apigen.__main__  # noqa: E402

if __name__ == "__main__":
    sys.exit(apigen.__main__.main(["layout"] + (["--check"] if "--check" in sys.argv[1:] else [])))
