#!/usr/bin/env python3
"""The Kubernetes manifests against the Kubernetes API schemas, offline.
Usage: test_k8s_validate.py VENV_DIR MANIFEST...

kubernetes-validate (PyPI; it carries the schemas of each Kubernetes
release) is installed into VENV_DIR on the first run, the only time this
test needs the network; if that fails the test says why and exits 77
(ctest SKIP). Each manifest must pass --strict (unknown fields are
errors) for Kubernetes 1.29 (the first release with backoffLimitPerIndex
on by default) and for the newest release the pinned package knows; a copy
with a misspelt field must fail, so the validator really looks.
"""
import os
import subprocess
import sys
import tempfile

PACKAGE = "kubernetes-validate==1.37.0"
VERSIONS = ["1.29.0", "1.37.0"]
VENV, MANIFESTS = sys.argv[1], sys.argv[2:]
FAILURES = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        FAILURES.append(what)
    return cond


def validator():
    exe = os.path.join(VENV, "bin", "kubernetes-validate")
    stamp = os.path.join(VENV, "installed")
    if os.path.exists(stamp) and open(stamp).read() == PACKAGE:
        return exe
    print(f"first run: installing {PACKAGE} from PyPI into {VENV}", flush=True)
    for cmd in ([sys.executable, "-m", "venv", "--clear", VENV],
                [os.path.join(VENV, "bin", "pip"), "install", "-q",
                 "--disable-pip-version-check", PACKAGE]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            print(f"cannot install the validator: {' '.join(cmd)} exited {r.returncode}:\n"
                  f"{r.stdout[-2000:]}{r.stderr[-2000:]}\nSKIP", flush=True)
            sys.exit(77)
    with open(stamp, "w") as f:
        f.write(PACKAGE)
    return exe


def validate(exe, path, version):
    return subprocess.run([exe, "--strict", "-k", version, path], capture_output=True, text=True)


def main():
    exe = validator()
    for m in MANIFESTS:
        for v in VERSIONS:
            r = validate(exe, m, v)
            check(r.returncode == 0 and "passed" in r.stdout,
                  f"{os.path.basename(m)} against Kubernetes {v} (--strict): "
                  f"{(r.stdout + r.stderr).strip()}")
        text = open(m).read()
        assert "completionMode:" in text, m
        with tempfile.NamedTemporaryFile("w", suffix=".yaml") as bad:
            bad.write(text.replace("completionMode:", "completionMod:", 1))
            bad.flush()
            r = validate(exe, bad.name, VERSIONS[0])
            check(r.returncode != 0 and "completionMod" in r.stdout + r.stderr,
                  f"a copy with 'completionMod:' is rejected: {(r.stdout + r.stderr).strip()}")


if __name__ == "__main__":
    main()
    print(f"{len(FAILURES)} failure(s)" + "".join(f"\n  {f}" for f in FAILURES))
    sys.exit(1 if FAILURES else 0)
