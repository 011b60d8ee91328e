"""The description of the public ABI, read from the headers once.

describe() returns a dict (JSON-ready) with, in header order:
  functions  name, ret, params [{type, name}], nodiscard
  structs    name, tag, fields [{name, type, array, since}], since_markers
  enums      name, tag, values [{name, value, since, experimental}]
  constants  numeric V2F_* #defines: name, value
  opaques    handles declared `typedef struct x x;`
  callbacks  name, ret, params
and for every item header, line, since (the @since of its doc comment) and
experimental (declared inside #ifdef V2F_EXPERIMENTAL). Types are written
without spaces around '*' ("const char*"), as the misuse matrix spells them.
"unparsed" lists top-level declarations no rule matched; check() turns
those, and any V2F_API line no function accounts for, into errors.
"""

import re
from pathlib import Path
from typing import List, Optional

from . import source as src

_SINCE = re.compile(r"@since\s+(\d+\.\d+)")
_INT_EXPR = re.compile(r"\(?[0-9][0-9A-Fa-fxXuUlL +*<|()-]*\)?")


def norm_type(t: str) -> str:
    return " ".join(t.replace("*", " * ").split()).replace(" *", "*").replace("* ", "*")


def _split_top(text: str, sep: str, base: int):
    """Pieces of text split at sep outside (), {} and [], with offsets."""
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch in "({[":
            depth += 1
        elif ch in ")}]":
            depth -= 1
        elif ch == sep and depth == 0:
            yield text[start:i], base + start
            start = i + 1
    yield text[start:], base + start


def _first_nonspace(piece: str, offset: int) -> int:
    return offset + (len(piece) - len(piece.lstrip()))


class _Reader:
    def __init__(self, source: src.Source):
        self.s = source
        self.exp_lines = set()   # line indexes inside #ifdef V2F_EXPERIMENTAL
        self.constants = []
        self.code = self._preprocess()

    # -- preprocessor: conditions, constants; directive lines blanked --------
    def _preprocess(self) -> str:
        lines = self.s.masked.split("\n")
        # Frames: "exp" (#ifdef V2F_EXPERIMENTAL), "c++" (read as a C
        # compiler reads it: skipped, so extern "C" { } goes), "" (others).
        stack = []
        for i, line in enumerate(lines):
            d = re.match(r"\s*#\s*(\w+)\s*(.*)", line)
            if not d:
                if "c++" in stack:
                    lines[i] = " " * len(line)
                elif "exp" in stack:
                    self.exp_lines.add(i)
                continue
            word, rest = d.group(1), d.group(2).strip()
            if word in ("if", "ifdef", "ifndef"):
                stack.append("exp" if word == "ifdef" and rest == "V2F_EXPERIMENTAL" else
                             "c++" if word == "ifdef" and rest == "__cplusplus" else "")
            elif word in ("else", "elif"):
                stack[-1] = ""  # the other side of a condition: plain C, stable
            elif word == "endif":
                stack.pop()
            elif word == "define":
                m = re.match(r"(V2F_[A-Z0-9_]+)\s+(.*)$", rest)
                if m and _INT_EXPR.fullmatch(m.group(2).strip()):
                    self.constants.append(self._item(
                        {"name": m.group(1), "value": m.group(2).strip()},
                        self.s.line_starts[i], self.s.line_starts[i] + len(line), i))
            lines[i] = " " * len(line)
        return "\n".join(lines)

    # -- comments ----------------------------------------------------------------
    def since(self, start: int, end: int, lower: int = 0, upper: Optional[int] = None) -> Optional[str]:
        """@since of the item at [start, end): its own trailing comment (on
        its last line, before upper), else the nearest leading comment
        before it (after lower, same header)."""
        line = self.s.line_of(end)
        header = self.s.origins[line][0]
        for c in self.s.comments:
            if upper is not None and c.start >= upper:
                break
            if c.start >= end and self.s.line_of(c.start) == line and not c.leading:
                tags = _SINCE.findall(c.text)
                if tags:
                    return tags[-1]
        best = None
        for c in self.s.comments:
            if c.end > start:
                break
            if c.leading and c.start >= lower and self.s.where(c.start)[0] == header:
                best = c
        # The last tag is the item's own; earlier ones date parts of it
        # ("takes the shard's lock (@since 0.3) ... @since 0.1").
        tags = _SINCE.findall(best.text) if best else []
        return tags[-1] if tags else None

    def _item(self, d: dict, start: int, end: int, line: int = None, lower: int = 0,
              upper: Optional[int] = None) -> dict:
        line = self.s.line_of(start) if line is None else line
        header, no = self.s.origins[line]
        d.update(header=header, line=no, since=self.since(start, end, lower, upper),
                 experimental=line in self.exp_lines)
        return d

    # -- declarations ------------------------------------------------------------
    def statements(self):
        for piece, off in _split_top(self.code, ";", 0):
            if piece.strip():
                yield " ".join(piece.split()), _first_nonspace(piece, off), off + len(piece)

    def fields(self, body: str, base: int) -> List[dict]:
        out, lower = [], base
        for piece, off in _split_top(body, ";", base):
            decl = " ".join(piece.split())
            if not decl:
                continue
            start, end = _first_nonspace(piece, off), off + len(piece)
            fp = re.fullmatch(r"(.*?)\(\s*\*\s*(\w+)\s*\)\s*\((.*)\)", decl)
            if fp:
                out.append(self._item({"name": fp.group(2), "type": norm_type(decl), "array": []},
                                      start, end, lower=lower))
                lower = end
                continue
            first, *rest = [p for p, _ in _split_top(decl, ",", 0)]
            m = re.fullmatch(r"(.*?)(\**)\s*(\w+)\s*((?:\[[^\]]*\]\s*)*)", first.strip())
            if not m:
                raise ValueError(f"cannot read field {decl!r}")
            base_type = m.group(1).strip()
            decls = [(m.group(2), m.group(3), m.group(4))]
            for r in rest:
                rm = re.fullmatch(r"\s*(\**)\s*(\w+)\s*((?:\[[^\]]*\]\s*)*)", r)
                if not rm:
                    raise ValueError(f"cannot read field {decl!r}")
                decls.append(rm.groups())
            for stars, name, dims in decls:
                out.append(self._item({"name": name, "type": norm_type(base_type + stars),
                                       "array": [x.strip() for x in re.findall(r"\[([^\]]*)\]", dims)]},
                                      start, end, lower=lower))
            lower = end
        return out

    def since_markers(self, body_start: int, body_end: int, fields: List[dict]) -> List[dict]:
        """@since comments inside a struct body, with the field they precede
        (block markers such as "@since 0.2 (this field and the five after it)")."""
        out = []
        for c in self.s.comments:
            if body_start <= c.start < body_end and _SINCE.search(c.text):
                no = self.s.where(c.start)[1]
                nxt = next((f["name"] for f in fields if f["line"] >= no), None)
                out.append({"line": no, "before_field": nxt,
                            "text": _comment_text(c.text)})
        return out

    def enum_values(self, body: str, base: int, parent_since: Optional[str]) -> List[dict]:
        out, lower = [], base
        pieces = [(p, o) for p, o in _split_top(body, ",", base) if p.strip()]
        for k, (piece, off) in enumerate(pieces):
            m = re.fullmatch(r"\s*(\w+)\s*(?:=\s*(.*?))?\s*", piece, flags=re.S)
            if not m:
                raise ValueError(f"cannot read enum value {piece.strip()!r}")
            start, end = _first_nonspace(piece, off), off + len(piece.rstrip())
            # A trailing comment after the comma is this value's, not the next one's.
            upper = _first_nonspace(*pieces[k + 1]) if k + 1 < len(pieces) else base + len(body)
            v = self._item({"name": m.group(1), "value": m.group(2)}, start, end,
                           lower=lower, upper=upper)
            v["since"] = v["since"] or parent_since
            out.append(v)
            lower = end
        return out

    def describe(self) -> dict:
        d = {"functions": [], "structs": [], "enums": [], "constants": self.constants,
             "opaques": [], "callbacks": [], "unparsed": []}
        for decl, start, end in self.statements():
            raw = self.code[start:end]
            f = re.fullmatch(r"((?:V2F_NODISCARD )*)V2F_API (.*?)\b([A-Za-z_]\w*) ?\((.*)\)", decl)
            sig = f and _signature(f.group(2), f.group(4))
            if sig:
                api = start + raw.index("V2F_API")
                item = self._item({"name": f.group(3), "ret": sig[0], "params": sig[1],
                                   "nodiscard": bool(f.group(1))}, api, end)
                d["functions"].append(item)
                continue
            m = re.fullmatch(r"typedef (struct|enum) (\w+) ?\{(.*)\} ?(\w+)", decl)
            if m:
                body_start = start + raw.index("{") + 1
                body_end = start + raw.rindex("}")
                body = self.code[body_start:body_end]
                item = self._item({"name": m.group(4), "tag": m.group(2)}, start, end)
                if m.group(1) == "struct":
                    item["fields"] = self.fields(body, body_start)
                    item["since_markers"] = self.since_markers(body_start, body_end, item["fields"])
                    d["structs"].append(item)
                else:
                    item["values"] = self.enum_values(body, body_start, item["since"])
                    d["enums"].append(item)
                continue
            m = re.fullmatch(r"typedef struct (\w+) (\w+)", decl)
            if m:
                d["opaques"].append(self._item({"name": m.group(2), "tag": m.group(1)}, start, end))
                continue
            m = re.fullmatch(r"typedef (.*?) ?\( ?\* ?(\w+) ?\) ?\((.*)\)", decl)
            sig = m and _signature(m.group(1), m.group(3))
            if sig:
                d["callbacks"].append(self._item({"name": m.group(2), "ret": sig[0],
                                                  "params": sig[1]}, start, end))
                continue
            header, no = self.s.where(start)
            d["unparsed"].append({"header": header, "line": no, "text": decl})
        return d


def _comment_text(c: str) -> str:
    c = re.sub(r"^/\*+|\*/$|^//", "", c)
    return " ".join(re.sub(r"\n\s*\*", " ", c).split())


# A type as the headers write one: words and stars, nothing else (a
# declaration with attributes, macros or arrays in its signature is left
# unparsed, so check() reports it instead of the parser guessing).
_TYPE = re.compile(r"[A-Za-z_][\w ]*[\w*][\w *]*|[A-Za-z_]\w*")


def _signature(ret: str, plist: str):
    """(ret, params) of a prototype, or None when a part is not a plain type."""
    ret, plist = ret.strip(), plist.strip()
    if not _TYPE.fullmatch(ret):
        return None
    params = []
    if plist not in ("", "void"):
        for p, _ in _split_top(plist, ",", 0):
            m = re.fullmatch(r"(.*?)([A-Za-z_]\w*)", " ".join(p.split()))
            if not m or not _TYPE.fullmatch(m.group(1).strip()):
                return None
            params.append({"type": norm_type(m.group(1)), "name": m.group(2)})
    return norm_type(ret), params


def describe(umbrella: Path = src.UMBRELLA, version_text: Optional[str] = None) -> dict:
    return _Reader(src.read(umbrella, version_text)).describe()


def check(umbrella: Path = src.UMBRELLA, desc: Optional[dict] = None,
          version_text: Optional[str] = None) -> List[str]:
    """Problems that make the description incomplete: declarations no rule
    read, and V2F_API or typedef lines (outside comments and directives)
    that no function or type of the description starts on."""
    source = src.read(umbrella, version_text)
    desc = desc if desc is not None else _Reader(source).describe()
    problems = [f"{u['header']}:{u['line']}: not understood: {u['text']}" for u in desc["unparsed"]]
    starts = {(f["header"], f["line"]) for f in desc["functions"]}
    types = {(t["header"], t["line"]) for k in ("structs", "enums", "opaques", "callbacks")
             for t in desc[k]}
    for i, line in enumerate(source.masked.split("\n")):
        if line.lstrip().startswith("#"):
            continue
        where = source.origins[i]
        if re.search(r"\bV2F_API\b", line) and where not in starts:
            problems.append(f"{where[0]}:{where[1]}: V2F_API declaration not in the description: "
                            f"{line.strip()}")
        if re.search(r"\btypedef\b", line) and where not in types:
            problems.append(f"{where[0]}:{where[1]}: typedef not in the description: {line.strip()}")
    return problems


def require_complete(umbrella: Path = src.UMBRELLA) -> dict:
    """describe(), raising ValueError when check() finds a problem."""
    desc = describe(umbrella)
    problems = check(umbrella, desc)
    if problems:
        raise ValueError("apigen: the headers say more than the description:\n  "
                         + "\n  ".join(problems))
    return desc
