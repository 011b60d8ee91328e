#!/usr/bin/env python3
"""The version is written once, in CMake's project(VERSION).

Files that cannot be generated at build time (the packages' manifests,
the Go constants) must say the same; this fails naming each that does
not, and when a file or its version field has gone missing.
usage: check_version_once.py VERSION SOURCE_ROOT
"""
import os
import re
import sys


def one(text, pattern, flags=re.M):
    m = re.findall(pattern, text, flags)
    return m[0] if len(m) == 1 else None


def main(argv):
    want, root = argv[1], argv[2]
    major, minor, patch = want.split(".")

    def section(rel, header, key="version"):
        """key = "..." inside the [header] table of a TOML file."""
        text = open(os.path.join(root, rel)).read()
        body = one(text, r"^\[%s\]\n(.*?)(?=^\[|\Z)" % re.escape(header),
                   re.M | re.S)
        return body and one(body, r'^%s\s*=\s*"([^"]*)"' % key)

    def cargo_lock(rel):
        text = open(os.path.join(root, rel)).read()
        return one(text, r'^\[\[package\]\]\nname = "vec2face"\nversion = "([^"]*)"')

    def go_consts(rel):
        text = open(os.path.join(root, rel)).read()
        parts = [one(text, r"^\s*Version%s\s*=\s*(\d+)\s*$" % k)
                 for k in ("Major", "Minor", "Patch")]
        return None if None in parts else ".".join(parts)

    def py_dunder(rel):
        text = open(os.path.join(root, rel)).read()
        return one(text, r'^__version__\s*=\s*"([^"]*)"')

    checks = [
        ("bindings/python/pyproject.toml", lambda p: section(p, "project")),
        ("bindings/python/vec2face/__init__.py", py_dunder),
        ("vec2face_torch/pyproject.toml", lambda p: section(p, "project")),
        ("bindings/rust/Cargo.toml", lambda p: section(p, "package")),
        ("bindings/rust/Cargo.lock", cargo_lock),
        ("bindings/go/vec2face.go", go_consts),
    ]
    bad = []
    for rel, read in checks:
        if not os.path.exists(os.path.join(root, rel)):
            bad.append("%s: missing" % rel)
            continue
        got = read(rel)
        if got != want:
            bad.append("%s: %s" % (rel, "no version field found" if got is None
                                   else "says %s" % got))
    if bad:
        sys.exit("project(VERSION) is %s, but:\n  %s" % (want, "\n  ".join(bad)))
    print("version %s in all %d places" % (want, len(checks)))


if __name__ == "__main__":
    main(sys.argv)
