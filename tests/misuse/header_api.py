"""The V2F_API functions of the public headers, for the misuse matrix.

parse() takes the umbrella include/vec2face/vec2face.h and returns
Function(name, ret, params) in header order, params as (type, name) pairs
(`void` lists are empty), read from tools/apigen's description of the ABI:
one parser for every generated file. A V2F_API line the description cannot
account for is a ValueError, not a silently missing function.
"""

import sys
from pathlib import Path
from typing import List, NamedTuple, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
import apigen  # noqa: E402


class Function(NamedTuple):
    name: str
    ret: str
    params: List[Tuple[str, str]]


def parse(path: str) -> List[Function]:
    desc = apigen.require_complete(Path(path))
    return [Function(f["name"], f["ret"], [(p["type"], p["name"]) for p in f["params"]])
            for f in desc["functions"]]


if __name__ == "__main__":
    for f in parse(sys.argv[1]):
        print(f.ret, f.name, ", ".join(f"{t} {n}" for t, n in f.params))
