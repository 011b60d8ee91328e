"""Parse the V2F_API declarations of the public headers.

parse() takes the umbrella include/vec2face/vec2face.h and reads the module
headers it includes, in its order.

Each declaration is `V2F_API <return type> <name>(<params>);`, possibly over
several lines. Comments and preprocessor lines are removed first. Returns
Function(name, ret, params) with params as (type, name) pairs; `void`
parameter lists are empty.
"""

import os
import re
import sys
from typing import List, NamedTuple, Tuple


class Function(NamedTuple):
    name: str
    ret: str
    params: List[Tuple[str, str]]


def _strip(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    text = re.sub(r"//[^\n]*", " ", text)
    return "\n".join(l for l in text.splitlines() if not l.lstrip().startswith("#"))


def _param(p: str) -> Tuple[str, str]:
    p = " ".join(p.split())
    m = re.match(r"^(.*?)([A-Za-z_]\w*)$", p)
    if not m or not m.group(1).strip():
        raise ValueError(f"cannot split parameter {p!r} into type and name")
    typ = m.group(1).strip().replace(" *", "*").replace("* ", "*")
    return typ, m.group(2)


def _read(umbrella: str) -> str:
    with open(umbrella, encoding="utf-8") as f:
        names = re.findall(r'^#include "(\w+\.h)"', f.read(), flags=re.M)
    parts = []
    for n in names:
        with open(os.path.join(os.path.dirname(umbrella), n), encoding="utf-8") as f:
            parts.append(f.read())
    return "\n".join(parts)


def parse(path: str) -> List[Function]:
    text = _strip(_read(path))
    out = []
    # The token V2F_API only appears in declarations once #define lines are gone.
    for m in re.finditer(r"\bV2F_API\b(.*?);", text, flags=re.S):
        decl = " ".join(m.group(1).split())
        d = re.match(r"^(.*?)\b([A-Za-z_]\w*)\s*\((.*)\)$", decl)
        if not d:
            raise ValueError(f"cannot parse declaration: V2F_API {decl};")
        ret, name, plist = d.group(1).strip(), d.group(2), d.group(3).strip()
        params = [] if plist in ("", "void") else [_param(p) for p in plist.split(",")]
        out.append(Function(name, " ".join(ret.replace("*", " * ").split()).replace(" *", "*"), params))
    return out


if __name__ == "__main__":
    for f in parse(sys.argv[1]):
        print(f.ret, f.name, ", ".join(f"{t} {n}" for t, n in f.params))
