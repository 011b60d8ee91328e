#!/usr/bin/env python3
"""Only the shim (libvec2face/torch/) is compiled with libtorch's flags.

Reads the build's compile_commands.json. torch's include directories and
defines come from CMake (TORCH_INCLUDE_DIRS, TORCH_CXX_FLAGS, the imported
targets' compile definitions); only those the shim really carries count,
and there must be some, so the check cannot pass by finding nothing.
usage: check_torch_confined.py compile_commands.json SOURCE_ROOT
       [--include DIR]... [--define NAME[=VALUE]]...
"""
import json
import os
import shlex
import sys


def flags(entry):
    args = entry.get("arguments") or shlex.split(entry["command"])
    incs, defs = set(), set()
    i = 0
    while i < len(args):
        a = args[i]
        for opt in ("-isystem", "-I", "-idirafter", "-iquote"):
            if a == opt and i + 1 < len(args):
                incs.add(os.path.normpath(args[i + 1]))
                i += 1
                break
            if a.startswith(opt) and len(a) > len(opt):
                incs.add(os.path.normpath(a[len(opt):]))
                break
        else:
            if a.startswith("-D"):
                defs.add(a[2:].split("=", 1)[0])
        i += 1
    return incs, defs


def main(argv):
    db, root = argv[1], os.path.realpath(argv[2])
    t_incs, t_defs = set(), set()
    rest = argv[3:]
    for opt, val in zip(rest[::2], rest[1::2]):
        if opt == "--include":
            t_incs.add(os.path.normpath(val))
        elif opt == "--define":
            t_defs.add(val.split("=", 1)[0])
    shim_dir = os.path.join(root, "libvec2face", "torch") + os.sep
    shim, other = [], []
    for e in json.load(open(db)):
        path = os.path.realpath(os.path.join(e.get("directory", ""), e["file"]))
        (shim if path.startswith(shim_dir) else other).append((path, flags(e)))
    if not shim:
        sys.exit("no entry under libvec2face/torch/ in " + db)
    carried_incs = set.intersection(*(f[0] for _, f in shim)) & t_incs
    carried_defs = set.intersection(*(f[1] for _, f in shim)) & t_defs
    if not carried_incs or not carried_defs:
        sys.exit("the shim's entries carry none of torch's include dirs or "
                 "defines (%s / %s): the check would prove nothing"
                 % (sorted(t_incs), sorted(t_defs)))
    lib_c = [p for p, _ in other if p.endswith(".c")
             and p.startswith(os.path.join(root, "libvec2face") + os.sep)]
    if len(lib_c) < 10:
        sys.exit("only %d C files of libvec2face/ in %s" % (len(lib_c), db))
    bad = []
    for path, (incs, defs) in other:
        leak = sorted(incs & carried_incs) + sorted(defs & carried_defs)
        if leak:
            bad.append("%s: %s" % (os.path.relpath(path, root), " ".join(leak)))
    if bad:
        sys.exit("compiled with torch's flags outside libvec2face/torch/:\n  "
                 + "\n  ".join(bad))
    print("torch confined: %d shim entries carry %s; %d others (%d C files "
          "of libvec2face/) carry none" % (len(shim), sorted(carried_incs
          | carried_defs), len(other), len(lib_c)))


if __name__ == "__main__":
    main(sys.argv)
