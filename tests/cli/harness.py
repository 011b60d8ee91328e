"""The harness of the end-to-end tests of the `vec2face` command (tests/cli).

Each test is a script run by ctest as `test_x.py CLI MODEL_DIR [more]`. It
calls start() once, then log / check / run / p, and ends in session() (or
run_each()), which removes the scratch folder when everything passed (kept
for inspection otherwise), prints the count and exits 0 or 1. A script keeps
going after a failed check so that one run lists every failure.
"""

import contextlib
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

CLI = sys.argv[1] if len(sys.argv) > 1 else None
MODEL = sys.argv[2] if len(sys.argv) > 2 else None

# The CLI takes its shard from Slurm / Kubernetes variables: a test run
# inside such a job must not inherit them.
ENV = {k: v for k, v in os.environ.items()
       if not k.startswith("SLURM_") and k != "JOB_COMPLETION_INDEX"}
MANIFEST_HEADER = "identity,file,image,source,eps,seed,attempt,status,similarity,quality,yaw"
FAILURES = []
T0 = time.time()
TMP = None
_TAG = ""


def start(prefix, tmp=None, tag=""):
    """The scratch folder (a new one named prefix..., or tmp); tag prefixes
    every log line (a child process telling itself apart)."""
    global TMP, _TAG
    TMP = tmp or tempfile.mkdtemp(prefix=prefix)
    _TAG = tag
    return TMP


def log(msg):
    print(f"[{time.time() - T0:5.1f}s] {_TAG}{msg}", flush=True)


def check(cond, what):
    """Logs ok/FAIL; a failure is counted and the script goes on."""
    log(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILURES.append(what)
    return cond


def run(args, env=None, **kw):
    """The CLI with args, its environment ENV plus env; output captured as text."""
    return subprocess.run([CLI] + list(args), env=dict(ENV, **(env or {})),
                          capture_output=True, text=True, **kw)


def fault_env(so, **settings):
    """Environment additions that preload the fault injector so
    (fault_inject.c) with its V2F_FAULT_* settings. verify_asan_link_order=0:
    under ASan (tools/ci-sanitize.sh) the preloaded object comes before the
    ASan runtime, which ASan refuses."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return dict(settings, LD_PRELOAD=so,
                ASAN_OPTIONS=(asan + ":" if asan else "") + "verify_asan_link_order=0")


def p(*names):
    return os.path.join(TMP, *names)


def images(out):
    """{relative path: bytes} of the final image files of a dataset."""
    return {os.path.relpath(f, out): open(f, "rb").read()
            for f in glob.glob(os.path.join(out, "[0-9]*", "*"))}


def manifest_rows(out):
    """Sorted data rows of every manifest part (each must start with the header)."""
    rows = []
    for f in sorted(glob.glob(os.path.join(out, "manifest", "part-*.csv"))):
        lines = open(f).read().splitlines()
        assert lines[0] == MANIFEST_HEADER, f
        rows += lines[1:]
    return sorted(rows)


def _finish():
    if not FAILURES:
        shutil.rmtree(TMP, ignore_errors=True)
    else:
        log(f"kept {TMP} for inspection")
        log(f"{len(FAILURES)} FAILED:\n  " + "\n  ".join(FAILURES))
    log(f"{len(FAILURES)} failure(s)")
    sys.exit(1 if FAILURES else 0)


@contextlib.contextmanager
def session():
    """`with session(): steps` -- a step that raises ends the run as a
    failure (traceback printed); then the summary and the exit status."""
    try:
        yield
    except Exception as e:
        traceback.print_exc()
        FAILURES.append(f"raised {e!r}")
    _finish()


def run_each(*tests):
    """Independent tests: each runs even when an earlier one raised (that
    one counts as failed); then the summary and the exit status."""
    for t in tests:
        log(f"--- {t.__name__}")
        try:
            t()
        except Exception as e:
            traceback.print_exc()
            check(False, f"{t.__name__} raised {e!r}")
    _finish()
