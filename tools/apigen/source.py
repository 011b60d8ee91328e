"""Reading the public headers: the umbrella's order, comments masked.

The parser works on one text made of every module header the umbrella
includes, in its order, with the generated vec2face_version.h spliced in
where common.h includes it (its macros are constants like the others).
Comments are blanked to spaces in a copy of that text, so offsets in the
copy and the original agree and every item can be traced to its header
line and to the comments around it.
"""

import re
from pathlib import Path
from typing import List, NamedTuple, Optional

ROOT = Path(__file__).resolve().parent.parent.parent
UMBRELLA = ROOT / "include" / "vec2face" / "vec2face.h"
VERSION_INCLUDE = '#include "vec2face/vec2face_version.h"'


class Comment(NamedTuple):
    start: int
    end: int
    text: str
    leading: bool  # only whitespace before it on its line


class Source:
    """The concatenated headers, line origins and comments."""

    def __init__(self, text: str, origins: List[tuple]):
        self.text = text
        self.origins = origins  # per line of text: (header name, line number)
        self.line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        self.masked, self.comments = _mask_comments(text)

    def line_of(self, offset: int) -> int:
        """0-based index into origins of the line holding offset."""
        lo, hi = 0, len(self.line_starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.line_starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def where(self, offset: int) -> tuple:
        return self.origins[self.line_of(offset)]


def version_header(root: Path = ROOT) -> str:
    """vec2face_version.h as CMake writes it from project(VERSION)."""
    version = re.search(r"project\(vec2face VERSION (\d+)\.(\d+)\.(\d+)",
                        (root / "CMakeLists.txt").read_text()).groups()
    text = (root / "libvec2face" / "vec2face_version.h.in").read_text()
    for part, value in zip(("MAJOR", "MINOR", "PATCH"), version):
        text = text.replace(f"@PROJECT_VERSION_{part}@", value)
    return text


def read(umbrella: Path = UMBRELLA, version_text: Optional[str] = None) -> Source:
    umbrella = Path(umbrella)
    names = re.findall(r'^#include "(\w+\.h)"', umbrella.read_text(), flags=re.M)
    lines, origins = [], []
    for name in names:
        for no, line in enumerate((umbrella.parent / name).read_text().split("\n"), 1):
            if line.strip() == VERSION_INCLUDE:
                if version_text is None:
                    version_text = version_header()
                for vno, vline in enumerate(version_text.split("\n"), 1):
                    lines.append(vline)
                    origins.append(("vec2face_version.h", vno))
                continue
            lines.append(line)
            origins.append((name, no))
    return Source("\n".join(lines), origins)


def _mask_comments(text: str):
    """Blank /* */ and // comments (newlines kept); list them."""
    out, comments = list(text), []
    for m in re.finditer(r"/\*.*?\*/|//[^\n]*", text, flags=re.S):
        line_start = text.rfind("\n", 0, m.start()) + 1
        leading = not text[line_start:m.start()].strip()
        comments.append(Comment(m.start(), m.end(), m.group(0), leading))
        for i in range(m.start(), m.end()):
            if out[i] != "\n":
                out[i] = " "
    return "".join(out), comments
