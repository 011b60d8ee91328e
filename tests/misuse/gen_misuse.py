"""Generate the API misuse matrix from the header and tests/misuse/cases.txt.

usage: gen_misuse.py HEADER CASES OUT_C

For every V2F_API function of HEADER, cases.txt gives one valid call and
the misuse cases; this script expands them into C (OUT_C) that
test_misuse.c runs:
  - every pointer parameter NULL, one at a time (others valid), expecting
    V2F_E_INVALID_ARG unless the entry says otherwise ("optional p": NULL
    is valid for p; "null p : EXPECT": another expectation);
  - every explicit case line "p=expr, q=expr : EXPECT".
A failing call must also set a non-empty, fresh v2f_last_error() and
clear every `T **` out-pointer given as &variable.

A function of the header without an entry (or whose entry no longer
matches its parameter count) is listed in misuse_missing[], which makes
the test fail: a new function cannot be forgotten.

cases.txt format (indentation-insensitive; '#' starts a comment):
  name(arg, arg, ...)          the valid call; starts an entry
  optional p q                 NULL is valid for these pointer params
  null p : EXPECT              expectation of the NULL case of p
  p=expr, q=expr : EXPECT      a case; params not named keep the valid arg
  ok                           also check the valid call returns V2F_OK
  setup: C statement           run before every call of this entry
  cleanup: C statement         run after every call of this entry
EXPECT: status names (INVALID_ARG OVERFLOW ...: any of them), or
"== C-expr" (the return value), "streq C-string" (a const char *
result), "noop" (void: must just not crash), "check C-expr" (void: then
C-expr must hold).
"""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import header_api  # noqa: E402


class Entry:
    def __init__(self, name, args, line):
        self.name, self.args, self.line = name, args, line
        self.optional, self.nulls, self.cases = set(), {}, []
        self.ok, self.setup, self.cleanup = False, [], []


def split_top(text, sep=","):
    out, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == sep and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_cases(path):
    entries, cur = {}, None
    for no, raw in enumerate(open(path, encoding="utf-8"), 1):
        line = raw.split("#", 1)[0].strip() if not raw.strip().startswith(("setup:", "cleanup:")) else raw.strip()
        if not line:
            continue
        where = f"{path}:{no}"
        m = re.match(r"^(v2f_\w+)\((.*)\)$", line)
        if m:
            cur = Entry(m.group(1), split_top(m.group(2)), where)
            if cur.name in entries:
                raise SystemExit(f"{where}: second entry for {cur.name}")
            entries[cur.name] = cur
            continue
        if cur is None:
            raise SystemExit(f"{where}: a line before the first entry: {line!r}")
        if line == "ok":
            cur.ok = True
        elif line.startswith("optional "):
            cur.optional.update(line.split()[1:])
        elif line.startswith("setup:"):
            cur.setup.append(line[len("setup:"):].strip())
        elif line.startswith("cleanup:"):
            cur.cleanup.append(line[len("cleanup:"):].strip())
        elif line.startswith("null "):
            lhs, expect = line[5:].split(" : ", 1)
            for p in lhs.split():
                cur.nulls[p] = (expect.strip(), where)
        elif " : " in line:
            lhs, expect = line.split(" : ", 1)
            assigns = []
            for a in re.split(r",\s*(?=[A-Za-z_]\w*=)", lhs):
                p, e = a.split("=", 1)
                assigns.append((p.strip(), e.strip()))
            cur.cases.append((assigns, expect.strip(), where))
        else:
            raise SystemExit(f"{where}: cannot read {line!r}")
    return entries


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def expect_code(fn, expect, call, where):
    """C statements that make the call and check the expectation."""
    if fn.ret == "void":
        if expect == "noop":
            return [f"{call};", "misuse_pass(r);"]
        m = re.match(r"^check (.+)$", expect)
        if not m:
            raise SystemExit(f"{where}: {fn.name} returns void: use noop or check EXPR")
        return [f"{call};", f"misuse_check(r, {m.group(1)}, {c_str(m.group(1))});"]
    if expect.startswith("== "):
        e = expect[3:]
        return [f"misuse_check(r, ({call}) == ({e}), {c_str('returns ' + e)});"]
    if expect.startswith("streq "):
        e = expect[6:]
        return [f"misuse_check(r, strcmp({call}, {e}) == 0, {c_str('returns ' + e)});"]
    if fn.ret != "v2f_status":
        raise SystemExit(f"{where}: {fn.name} returns {fn.ret}: use == EXPR or streq STR")
    names = expect.split()
    for n in names:
        if not re.match(r"^(OK|E_\w+|[A-Z_]+)$", n):
            raise SystemExit(f"{where}: bad status {n!r}")
    codes = ", ".join(("V2F_" + n) if n == "OK" or n.startswith("E_") else "V2F_E_" + n
                      for n in names)
    return [f"misuse_sentinel({c_str(fn.name)});",
            f"s = {call};",
            f"misuse_status(r, s, (const v2f_status[]){{{codes}}}, {len(names)});"]


def emit_call(fn, entry, args, label, expect, where, out):
    call = f"{fn.name}({', '.join(args)})"
    outs = [a[1:] for (t, _), a in zip(fn.params, args)
            if t.endswith("**") and re.match(r"^&[\w.\[\]>-]+$", a)]
    failing = fn.ret == "v2f_status" and "OK" not in expect.split()
    out.append(f"    misuse_begin(r, {c_str(fn.name)}, {c_str(label)});")
    out.append("    {")
    for st in entry.setup:
        out.append(f"        {st}")
    for o in outs:
        if failing:
            out.append(f"        {o} = (void *)&misuse_poison;")
    for st in expect_code(fn, expect, call, where):
        out.append(f"        {st}")
    for o in outs:
        if failing:
            out.append(f"        misuse_out_cleared(r, {o} != (void *)&misuse_poison, {c_str(o)});")
            out.append(f"        if ({o} == (void *)&misuse_poison) {o} = NULL;")
    for st in entry.cleanup:
        out.append(f"        {st}")
    out.append("    }")


def generate(funcs, entries):
    body, table, missing, ncases = [], [], [], 0
    for fn in funcs:
        e = entries.get(fn.name)
        if e is None:
            missing.append(f"{fn.name}: no entry in tests/misuse/cases.txt")
            continue
        pnames = [n for _, n in fn.params]
        if len(e.args) != len(pnames):
            missing.append(f"{fn.name}: entry {e.line} has {len(e.args)} arguments, the "
                           f"header {len(pnames)}")
            continue
        bad = [p for p in list(e.optional) + list(e.nulls) if p not in pnames] + \
              [p for c in e.cases for p, _ in c[0] if p not in pnames]
        if bad:
            missing.append(f"{fn.name}: entry {e.line} names unknown parameters {bad}")
            continue
        out = [f"static void misuse_{fn.name}(misuse_run *r)", "{",
               "    v2f_status s = V2F_OK;", "    (void)s;"]
        count = 0
        if e.ok:
            emit_call(fn, e, e.args, "valid call", "OK", e.line, out)
            count += 1
        for (t, p), a in zip(fn.params, e.args):
            if not t.endswith("*") and t not in ("v2f_log_fn", "v2f_progress_fn"):
                continue
            if p in e.optional and p not in e.nulls:
                continue
            default = "noop" if fn.ret == "void" else "INVALID_ARG"
            if fn.ret not in ("void", "v2f_status") and p not in e.nulls:
                missing.append(f"{fn.name}: entry {e.line} needs 'null {p} : == ...' "
                               f"(it returns {fn.ret})")
                continue
            expect, where = e.nulls.get(p, (default, e.line))
            args = ["NULL" if q == p else b for q, b in zip(pnames, e.args)]
            emit_call(fn, e, args, f"{p}=NULL", expect, where, out)
            count += 1
        for assigns, expect, where in e.cases:
            d = dict(assigns)
            args = [d.get(q, b) for q, b in zip(pnames, e.args)]
            emit_call(fn, e, args, ", ".join(f"{p}={x}" for p, x in assigns), expect, where, out)
            count += 1
        out.append("}")
        body.extend(out)
        table.append(f"    {{{c_str(fn.name)}, misuse_{fn.name}, {count}}},")
        ncases += count
    for name in sorted(set(entries) - {f.name for f in funcs}):
        missing.append(f"{name}: entry {entries[name].line} for a function not in the header")
    lines = ["/* Generated by tests/misuse/gen_misuse.py from the header and cases.txt."
             " Do not edit. */",
             '#include "misuse_fixture.h"', "", *body, "",
             "const misuse_fn misuse_fns[] = {", *table, "    {NULL, NULL, 0}", "};",
             f"const size_t misuse_fn_count = {len(table)};",
             f"const size_t misuse_case_count = {ncases};",
             "const char *const misuse_missing[] = {",
             *[f"    {c_str(m)}," for m in missing], "    NULL", "};"]
    return "\n".join(lines) + "\n", missing


def main():
    header, cases, out_c = sys.argv[1:4]
    funcs = header_api.parse(header)
    text, missing = generate(funcs, parse_cases(cases))
    tmp = out_c + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, out_c)
    for m in missing:
        print("misuse: " + m, file=sys.stderr)


if __name__ == "__main__":
    main()
