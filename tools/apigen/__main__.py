"""python3 tools/apigen [--umbrella H] (--json | check | layout [--check])

--json          print the description
check           exit 1, listing them, when a V2F_API or typedef line of the
                headers is not in the description (a misread declaration
                is an error, not a silent omission)
layout          write tests/abi/layout.c; with --check, exit 1 when the
                checked-in file differs from what it would write
"""

import argparse
import json
import sys
from pathlib import Path

if not __package__:  # run as a folder: python3 tools/apigen
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "apigen"

from apigen import layout, parse, source  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="apigen", description=__doc__.splitlines()[0])
    ap.add_argument("--umbrella", type=Path, default=source.UMBRELLA)
    ap.add_argument("--json", action="store_true", help="print the description as JSON")
    ap.add_argument("command", nargs="?", choices=("check", "layout"))
    ap.add_argument("--check", action="store_true", help="layout: compare, do not write")
    a = ap.parse_args(argv)
    if a.json:
        print(json.dumps(parse.describe(a.umbrella), indent=1))
        return 0
    if a.command == "check":
        problems = parse.check(a.umbrella)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            return 1
        d = parse.describe(a.umbrella)
        print(f"apigen: {len(d['functions'])} functions, {len(d['structs'])} structs, "
              f"{len(d['enums'])} enums, {len(d['constants'])} constants, "
              f"{len(d['opaques'])} handles, {len(d['callbacks'])} callbacks: all accounted for")
        return 0
    if a.command == "layout":
        text = layout.render(parse.require_complete(a.umbrella))
        if a.check:
            if not layout.OUT.exists() or layout.OUT.read_text() != text:
                print(f"{layout.OUT} is out of date: run python3 tools/apigen layout",
                      file=sys.stderr)
                return 1
            print("layout.c is up to date")
        else:
            layout.OUT.write_text(text)
        return 0
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
