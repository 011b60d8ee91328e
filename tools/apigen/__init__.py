"""apigen: one description of libvec2face's public ABI, read from the headers.

Users: `apigen layout` (tests/abi/layout.c), `apigen python`
(bindings/python/vec2face/_abi_generated.py), tests/misuse/header_api.py (the
misuse matrix's functions). Run `python3 tools/apigen --help`.
"""

from .parse import check, describe, norm_type, require_complete  # noqa: F401
from .source import ROOT, UMBRELLA  # noqa: F401
