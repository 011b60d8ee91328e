"""python3 tools/apigen [--umbrella H] (--json | check | layout|python [--check])

--json          print the description
check           exit 1, listing them, when a V2F_API or typedef line of the
                headers is not in the description (a misread declaration
                is an error, not a silent omission)
layout          write tests/abi/layout.c
python          write bindings/python/vec2face/_abi_generated.py
  --check       (layout, python) write nothing; exit 1 when the checked-in
                file differs from what would be written
"""

import argparse
import json
import sys
from pathlib import Path

if not __package__:  # run as a folder: python3 tools/apigen
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    __package__ = "apigen"

from apigen import layout, parse, python, source  # noqa: E402

GENERATED = {"layout": layout, "python": python}  # command: module with OUT, render()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="apigen", description=__doc__.splitlines()[0])
    ap.add_argument("--umbrella", type=Path, default=source.UMBRELLA)
    ap.add_argument("--json", action="store_true", help="print the description as JSON")
    ap.add_argument("command", nargs="?", choices=("check", *GENERATED))
    ap.add_argument("--check", action="store_true", help="compare, do not write")
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
    if a.command in GENERATED:
        gen = GENERATED[a.command]
        text = gen.render(parse.require_complete(a.umbrella))
        if a.check:
            if not gen.OUT.exists() or gen.OUT.read_text() != text:
                print(f"{gen.OUT} is out of date: run python3 tools/apigen {a.command}",
                      file=sys.stderr)
                return 1
            print(f"{gen.OUT.name} is up to date")
        else:
            gen.OUT.write_text(text)
        return 0
    ap.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
