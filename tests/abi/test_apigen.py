"""tools/apigen reads what the headers declare, or says it cannot.

Runs the description's own check on the real headers, then on small
headers written to a temporary folder: a declaration the parser misreads
must be reported (apigen check exits 1, require_complete raises), never
dropped from the layout test or the misuse matrix.
Run: python3 tests/abi/test_apigen.py
"""

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import apigen  # noqa: E402
from apigen import __main__ as cli  # noqa: E402

GOOD = """
#ifdef __cplusplus
extern "C" {
#endif
/** A size. @since 0.1 */
#define V2F_T_SIZE 4
/** Options. @since 0.1 */
typedef struct v2f_t_opts {
    uint32_t struct_size;
    float a, b[V2F_T_SIZE];
    /** Later. @since 0.2 */
    int32_t c;
} v2f_t_opts;
typedef struct v2f_t v2f_t;
/** Colours. @since 0.1 */
typedef enum v2f_t_colour { V2F_T_RED = 0, V2F_T_BLUE = 1 /* @since 0.3 */ } v2f_t_colour;
typedef int (*v2f_t_fn)(void *user, uint64_t done);
/** Make one. @since 0.2 */
V2F_NODISCARD
V2F_API int32_t v2f_t_new(const char *const *names, v2f_t **out);
#ifdef V2F_EXPERIMENTAL
/** @since 0.3 */
V2F_API void v2f_t_free(v2f_t *t);
#endif
#ifdef __cplusplus
}
#endif
"""

# Each is appended to GOOD and must make the check fail.
MISREAD = {
    "function returning a function pointer": "V2F_API int (*v2f_t_weird(void))(int);\n",
    "attribute macro in the signature": "V2F_API int v2f_t_old(int x) V2F_DEPRECATED(\"y\");\n",
    "declaration built by a macro": "#define V2F_T_DECL(n) V2F_API int n(void)\nV2F_T_DECL(v2f_t_m);\n",
    "declaration hidden from C": "#ifdef __cplusplus\nV2F_API int v2f_t_cxx(void);\n#endif\n",
    "unknown typedef": "typedef int v2f_t_int;\n",
}

failures = []


def expect(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def umbrella(tmp: Path, body: str) -> Path:
    (tmp / "t.h").write_text(body)
    (tmp / "vec2face.h").write_text('#include "t.h"\n')
    return tmp / "vec2face.h"


def main() -> int:
    expect(apigen.check() == [], "the real headers are fully described")
    expect(cli.main(["check"]) == 0, "apigen check passes on the real headers")
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        u = umbrella(tmp, GOOD)
        expect(apigen.check(u) == [], "the sample header is fully described")
        d = apigen.describe(u)
        fns = {f["name"]: f for f in d["functions"]}
        expect(list(fns) == ["v2f_t_new", "v2f_t_free"], "functions in header order")
        new = fns["v2f_t_new"]
        expect(new["nodiscard"] and new["ret"] == "int32_t" and new["since"] == "0.2"
               and new["params"] == [{"type": "const char*const*", "name": "names"},
                                     {"type": "v2f_t**", "name": "out"}], "v2f_t_new read whole")
        expect(fns["v2f_t_free"]["experimental"] and not new["experimental"], "experimental marked")
        s = d["structs"][0]
        expect([(f["name"], f["array"]) for f in s["fields"]] ==
               [("struct_size", []), ("a", []), ("b", ["V2F_T_SIZE"]), ("c", [])], "fields, arrays")
        expect(s["fields"][3]["since"] == "0.2" and s["since_markers"][0]["before_field"] == "c",
               "field @since and block marker")
        e = d["enums"][0]["values"]
        expect([(v["name"], v["value"], v["since"]) for v in e] ==
               [("V2F_T_RED", "0", "0.1"), ("V2F_T_BLUE", "1", "0.3")], "enum values and @since")
        expect([c["name"] for c in d["constants"]] == ["V2F_T_SIZE"], "constants")
        expect([o["name"] for o in d["opaques"]] == ["v2f_t"], "opaque handles")
        expect(d["callbacks"][0]["params"][1] == {"type": "uint64_t", "name": "done"}, "callbacks")
        for what, extra in MISREAD.items():
            u = umbrella(tmp, GOOD + extra)
            problems = apigen.check(u)
            try:
                apigen.require_complete(u)
                raised = False
            except ValueError:
                raised = True
            expect(bool(problems) and raised and cli.main(["--umbrella", str(u), "check"]) == 1,
                   f"reported: {what}")
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
