"""Every ctypes mirror, enum and constant against the C compiler's layout."""

import ctypes
import subprocess
from pathlib import Path

import vec2face
from vec2face import _ctypes_api as api


def _layout(print_layout):
    out = subprocess.run([str(print_layout)], check=True, capture_output=True, text=True).stdout
    structs, enums, consts = {}, {}, {}
    for line in out.splitlines():
        a, b, c, d = line.split()
        if a == "enum":
            enums.setdefault(b, {})[c] = int(d)
        elif a == "const":
            consts[b] = int(c)
        else:
            structs.setdefault(a, {})[b] = (int(c), int(d))
    return structs, enums, consts


def test_structs_match_c(print_layout):
    structs, _, _ = _layout(print_layout)
    assert set(structs) == set(api.STRUCTS), "a public struct has no mirror (or vice versa)"
    for name, fields in structs.items():
        cls = api.STRUCTS[name]
        c_fields = {k: v for k, v in fields.items() if k != "sizeof"}
        py_fields = [f for f, _ in cls._fields_]
        assert py_fields == list(c_fields), f"{name}: fields differ"
        for f, (off, size) in c_fields.items():
            d = getattr(cls, f)
            assert (d.offset, d.size) == (off, size), f"{name}.{f}"
        assert ctypes.sizeof(cls) == fields["sizeof"][0], f"sizeof {name}"


def test_enums_match_c(print_layout):
    _, enums, _ = _layout(print_layout)
    assert enums == api.ENUMS
    # and the Python IntEnums
    for e, prefix, names in ((vec2face.Status, "V2F_", enums["v2f_status"]),
                             (vec2face.LogLevel, "V2F_LOG_", enums["v2f_log_level"]),
                             (vec2face.Part, "V2F_PART_", enums["v2f_part"]),
                             (vec2face.Precision, "V2F_PRECISION_", enums["v2f_precision"]),
                             (vec2face.DatasetFormat, "V2F_DATASET_",
                              enums["v2f_dataset_format"])):
        got = {prefix + m.name: int(m) for m in e}
        want = {k: v for k, v in names.items() if k != "V2F_PART_COUNT"}
        assert got == want
    assert vec2face.core.PART_COUNT == enums["v2f_part"]["V2F_PART_COUNT"]
    for code, name in vec2face.errors.STATUS_NAMES.items():
        assert enums["v2f_status"][name] == code


def test_constants_match_c(print_layout):
    _, _, consts = _layout(print_layout)
    assert consts == api.CONSTANTS
    assert vec2face.ABI_VERSION == consts["V2F_ABI_VERSION"]
    assert (vec2face.VECTOR_DIM, vec2face.IMAGE_SIZE, vec2face.IMAGE_BYTES,
            vec2face.NUM_TOKENS, vec2face.COND_DIM, vec2face.SEPARABILITY_BINS) == (
        consts["V2F_VECTOR_DIM"], consts["V2F_IMAGE_SIZE"], consts["V2F_IMAGE_BYTES"],
        consts["V2F_NUM_TOKENS"], consts["V2F_COND_DIM"], consts["V2F_SEPARABILITY_BINS"])


def test_every_exported_symbol_is_declared():
    symbols = (Path(__file__).resolve().parents[3] / "abi" / "symbols.txt").read_text().split()
    assert set(symbols) == set(api.FUNCTIONS)


def test_every_function_has_argtypes():
    lib = vec2face._lib.get()
    for name, (restype, argtypes) in api.FUNCTIONS.items():
        fn = getattr(lib, name)
        assert fn.argtypes == argtypes and fn.restype == restype, name


def test_versions():
    assert vec2face.version() == "%d.%d.%d" % vec2face.core.HEADER_VERSION
    assert vec2face.abi_version() == vec2face.ABI_VERSION
    assert vec2face.status_str(vec2face.Status.E_IO)
    assert vec2face.image_bytes(2) == 2 * vec2face.IMAGE_BYTES

