#!/usr/bin/env python3
"""examples/slurm/generate.sbatch, as shipped, on a one-node Slurm.
Usage: test_slurm.py PATH/TO/vec2face MODEL_DIR PATH/TO/generate.sbatch

Everything lives in a temporary folder: a munge key and munged on its own
socket, a slurm.conf for this host (free ports, state, spool, pid and log
files in the folder), slurmctld -D and slurmd -D. The template is
submitted as a user on a CPU-only node would: paths in the environment,
`sbatch --array=0-2 --gres=none --cpus-per-task=1 --export=ALL,DEVICE=cpu`.
Array task 1 is requeued (`scontrol requeue JOB_1`) once it has written
images; while it waits to run again it must have stopped part-way; it then
resumes. When every task is COMPLETED with exit 0, `vec2face verify`
passes and the images and manifest rows equal the set one process makes
(`bash generate.sbatch`, no Slurm: shard 0/1; see compare.py for what
"equal" means for pixels). A second array writes a folder per task
(OUT=...-%a); `vec2face merge` of them gives the same set. Submitting the
first array again (how the template says to rerun failed tasks) ends at
once and rewrites nothing.

slurm.conf has JobRequeue=0, so the requeue works only because the
template says #SBATCH --requeue. If the daemons cannot start here, the
test prints why (their logs) and exits 77 (ctest SKIP), unless
V2F_REQUIRE_SLURM=1 (then it fails).
"""
import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import numpy as np

import compare

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
import harness  # log / check / p and the failure list, shared with the CLI tests
from harness import check, log, p

CLI, MODEL, SBATCH = (os.path.abspath(a) for a in sys.argv[1:4])
SKIP = 77
T0 = harness.T0
DEADLINE = T0 + 270          # below the ctest TIMEOUT: clean up ourselves
FAILURES = harness.FAILURES
TMP = harness.start("v2f-slurm-")
# munged wants every folder on the way to its socket searchable by all.
os.chmod(TMP, 0o711)
DAEMONS = []                 # (name, Popen, log file)
CHILDREN = []                # other processes to end on exit
N_IDS, PER_ID = 3, 50        # the template's recipe: 40 + 10 images per identity
TASKS = 3

# The test's own environment must not leak a real cluster's job into ours.
BASE_ENV = {k: v for k, v in os.environ.items()
            if not k.startswith(("SLURM_", "SBATCH_", "SQUEUE_", "SCONTROL_"))
            and k != "JOB_COMPLETION_INDEX"}
BASE_ENV["PATH"] = os.path.dirname(CLI) + os.pathsep + BASE_ENV.get("PATH", "/usr/bin:/bin")


def mkdir(name, mode):
    os.makedirs(p(name), exist_ok=True)
    os.chmod(p(name), mode)
    return p(name)


_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_test():
    # PR_SET_PDEATHSIG: a daemon gets SIGKILL if this test is killed
    # (a ctest timeout), so nothing outlives it.
    _libc.prctl(1, signal.SIGKILL)


def start(name, argv):
    f = open(p("log", name + ".out"), "w")
    pr = subprocess.Popen(argv, stdout=f, stderr=subprocess.STDOUT, env=BASE_ENV,
                          preexec_fn=_die_with_test, cwd=TMP)
    DAEMONS.append((name, pr, f.name))
    return pr


def daemon_logs():
    out = []
    for f in sorted(glob.glob(p("log", "*"))):
        lines = open(f, errors="replace").read().splitlines()
        out.append(f"---- {os.path.basename(f)} (last 25 lines) ----")
        out += lines[-25:]
    return "\n".join(out)


def cannot_start(why):
    print(f"cannot start a one-node Slurm here: {why}\n{daemon_logs()}", flush=True)
    if os.environ.get("V2F_REQUIRE_SLURM") == "1":
        raise SystemExit(1)
    print("SKIP (set V2F_REQUIRE_SLURM=1 to make this a failure)", flush=True)
    raise SystemExit(SKIP)


def slurm(*args, check_rc=True, env=None):
    e = dict(env or BASE_ENV, SLURM_CONF=p("slurm.conf"))
    r = subprocess.run(list(args), env=e, capture_output=True, text=True, timeout=60,
                       cwd=p("submit"))
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} exited {r.returncode}: {r.stderr.strip()}")
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, cond, timeout, step=0.2):
    end = min(time.time() + timeout, DEADLINE)
    while time.time() < end:
        v = cond()
        if v:
            return v
        time.sleep(step)
    raise RuntimeError(f"timed out waiting for {what}")


def start_cluster():
    for prog in ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue",
                 "scontrol", "sinfo"):
        if not shutil.which(prog, path=BASE_ENV["PATH"] + ":/usr/sbin:/sbin"):
            cannot_start(f"{prog} is not installed (Debian: apt-get install slurm-wlm munge)")
    sbin = lambda n: shutil.which(n, path=BASE_ENV["PATH"] + ":/usr/sbin:/sbin")
    mkdir("munge", 0o700)
    run_dir = mkdir("run", 0o755)      # munged: the socket's folder must be a+x
    mkdir("log", 0o755)
    mkdir("state", 0o755)
    mkdir("spool", 0o755)
    mkdir("submit", 0o755)
    key = p("munge", "munge.key")
    r = subprocess.run([sbin("mungekey"), "--create", "--keyfile", key],
                       capture_output=True, text=True)
    if r.returncode != 0:
        cannot_start(f"mungekey exited {r.returncode}: {r.stderr.strip()}")
    sock = os.path.join(run_dir, "munge.socket")
    munged = start("munged", [sbin("munged"), "--foreground", f"--socket={sock}",
                              f"--key-file={key}", f"--pid-file={p('run', 'munged.pid')}",
                              f"--log-file={p('log', 'munged.log')}",
                              f"--seed-file={p('munge', 'munged.seed')}"])
    try:
        wait_for("munged's socket", lambda: os.path.exists(sock) or munged.poll() is not None, 10)
    except RuntimeError:
        pass
    if not os.path.exists(sock):
        cannot_start(f"munged did not create {sock} (exit {munged.poll()})")

    host = socket.gethostname().split(".")[0]
    # CPUs as the machine has them (a node with fewer than configured is
    # drained); 2 of them, or 1, run the 3 tasks in turn.
    cpus = os.cpu_count() or 1
    conf = f"""\
ClusterName=v2ftest
SlurmctldHost=localhost
SlurmctldPort={free_port()}
SlurmdPort={free_port()}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={sock}
StateSaveLocation={p('state')}
SlurmdSpoolDir={p('spool')}
SlurmctldPidFile={p('run', 'slurmctld.pid')}
SlurmdPidFile={p('run', 'slurmd.pid')}
SlurmctldLogFile={p('log', 'slurmctld.log')}
SlurmdLogFile={p('log', 'slurmd.log')}
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
ReturnToService=2
# Off: the template's #SBATCH --requeue must be what allows the requeue.
JobRequeue=0
# SIGTERM, then SIGKILL after 5 s (vec2face stops after the current batch).
KillWait=5
# Finished jobs stay visible to scontrol for the checks.
MinJobAge=600
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""
    with open(p("slurm.conf"), "w") as f:
        f.write(conf)
    ctld = start("slurmctld", [sbin("slurmctld"), "-D", "-f", p("slurm.conf")])
    slurmd = start("slurmd", [sbin("slurmd"), "-D", "-f", p("slurm.conf"), "-N", host])

    def idle():
        for name, pr, _ in DAEMONS:
            if pr.poll() is not None:
                cannot_start(f"{name} exited with status {pr.returncode}")
        r = slurm("sinfo", "-h", "-N", "-o", "%N %t", check_rc=False)
        return r.returncode == 0 and r.stdout.split() == [host, "idle"]
    try:
        wait_for("the node to be idle in sinfo", idle, 40, 0.5)
    except RuntimeError as e:
        r = slurm("sinfo", "-N", "-l", check_rc=False)
        cannot_start(f"{e}; sinfo: {r.stdout.strip()} {r.stderr.strip()}")
    log(f"one-node Slurm up: node {host}, {cpus} CPUs "
        f"({slurm('sinfo', '-V').stdout.strip()})")


def stop_cluster():
    if os.path.exists(p("slurm.conf")):
        slurm("scancel", "--user=root", check_rc=False)
        try:   # let running steps end before their slurmd goes
            wait_for("jobs to end", lambda: not slurm("squeue", "-h", "-t", "R,CG",
                                                      check_rc=False).stdout.strip(), 15)
        except RuntimeError:
            pass
    for name, pr, _ in reversed(DAEMONS):
        if pr.poll() is None:
            pr.terminate()
            try:
                pr.wait(10)
            except subprocess.TimeoutExpired:
                pr.kill()
                pr.wait()


def same_as_reference(out, what):
    compare.same_dataset(out, p("ref"), N_IDS * PER_ID, check, what)


def snapshot(d):
    """Every file but the shard locks, with its bytes and mtime."""
    snap = {}
    for root, _, files in os.walk(d):
        for name in files:
            if name.endswith(".lock"):
                continue
            f = os.path.join(root, name)
            snap[os.path.relpath(f, d)] = (os.stat(f).st_mtime_ns, open(f, "rb").read())
    return snap


def job_tasks(job):
    """{array index: {field: value}} from scontrol show job -o."""
    r = slurm("scontrol", "show", "job", "-o", str(job))
    tasks = {}
    for line in r.stdout.splitlines():
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        tasks[int(f["ArrayTaskId"])] = f
    return tasks


def task_state(job, k):
    r = slurm("squeue", "-h", "-j", f"{job}_{k}", "-o", "%T", check_rc=False)
    return r.stdout.strip() or "GONE"


def submit(out):
    env = dict(BASE_ENV, MODEL=MODEL, IDS=p("ids.npy"), POSES=p("poses.npy"), OUT=out)
    r = slurm("sbatch", "--parsable", f"--array=0-{TASKS - 1}", "--gres=none",
              "--cpus-per-task=1", "--export=ALL,DEVICE=cpu", SBATCH, env=env)
    job = int(r.stdout.strip().split(";")[0])
    log(f"submitted job {job}: MODEL=... IDS=... POSES=... OUT={out} sbatch "
        f"--array=0-{TASKS - 1} --gres=none --cpus-per-task=1 --export=ALL,DEVICE=cpu "
        f"{os.path.relpath(SBATCH)}")
    return job


def wait_done(job, timeout):
    wait_for(f"job {job} to finish",
             lambda: not slurm("squeue", "-h", "-j", str(job), check_rc=False).stdout.strip(),
             timeout, 0.5)
    tasks = job_tasks(job)
    check(sorted(tasks) == list(range(TASKS))
          and all(t["JobState"] == "COMPLETED" and t["ExitCode"] == "0:0"
                  for t in tasks.values()),
          f"job {job}: every task COMPLETED, exit 0 "
          f"({ {k: (t['JobState'], t['ExitCode']) for k, t in tasks.items()} })")
    return tasks


def shard_images(out, k):
    """Images on disk of shard k's identities [k*n/N, (k+1)*n/N)."""
    ids = range(k * N_IDS // TASKS, (k + 1) * N_IDS // TASKS)
    return sum(len(glob.glob(os.path.join(out, f"{i:06d}", "*.png"))) for i in ids)


def test_shared_folder_with_requeue():
    out = p("data")
    job = submit(out)
    per_shard = N_IDS // TASKS * PER_ID
    # Task 1 is requeued once it is running and has written images.
    wait_for("task 1 to write images",
             lambda: task_state(job, 1) == "RUNNING" and shard_images(out, 1) > 0, 120, 0.05)
    r = slurm("scontrol", "requeue", f"{job}_1", check_rc=False)
    check(r.returncode == 0, f"scontrol requeue {job}_1 (#SBATCH --requeue; JobRequeue=0 "
                             f"in slurm.conf): {r.stderr.strip() or 'accepted'}")
    # Requeued, it waits (Slurm holds it ~2 minutes) with its old run gone.
    wait_for("task 1 to be pending again", lambda: task_state(job, 1) == "PENDING", 30, 0.1)
    n = shard_images(out, 1)
    check(0 < n < per_shard, f"task 1 stopped part-way when requeued: {n} of {per_shard} images")
    slurm("scontrol", "update", f"JobId={job}_1", "StartTime=now")
    tasks = wait_done(job, 150)
    check(tasks.get(1, {}).get("Restarts") == "1", "task 1 ran twice (Restarts=1)")
    log1 = open(p("submit", f"vec2face-{job}_1.out"), errors="replace").read()
    check("DUE TO JOB REQUEUE" in log1,
          "task 1's log (#SBATCH --output, --open-mode=append) kept the requeued run's note")
    r = subprocess.run([CLI, "verify", out], env=BASE_ENV, capture_output=True, text=True)
    check(r.returncode == 0, f"vec2face verify the shared folder: exit {r.returncode} "
                             f"{r.stdout.strip()} {r.stderr.strip()}")
    same_as_reference(out, "array of 3 with a requeued task")
    # Resubmitting the same --array range (how the template says to rerun
    # failed tasks) finds every shard complete and changes nothing.
    before = snapshot(out)
    wait_done(submit(out), 90)
    check(snapshot(out) == before, "the same array submitted again: nothing rewritten")


def test_folder_per_task_then_merge():
    job = submit(p("part-%a"))
    wait_done(job, 120)
    parts = sorted(glob.glob(p("part-*")))
    check([os.path.basename(d) for d in parts] == [f"part-{k}" for k in range(TASKS)],
          f"OUT=...-%a: a folder per array task ({[os.path.basename(d) for d in parts]})")
    r = subprocess.run([CLI, "merge", "--out", p("merged")] + parts, env=BASE_ENV,
                       capture_output=True, text=True)
    check(r.returncode == 0, f"vec2face merge: exit {r.returncode} {r.stderr.strip()}")
    same_as_reference(p("merged"), "folders per task, merged")


def main():
    rng = np.random.default_rng(1919)
    np.save(p("ids.npy"), (rng.standard_normal((N_IDS, 512)) * 2.0).astype(np.float32))
    np.save(p("poses.npy"), np.array([[38.3, 51.7, 73.5, 51.5, 56.0, 71.7,
                                       41.5, 92.4, 70.7, 92.2]], np.float32))
    # One process makes the whole set: the template run without Slurm.
    ref = subprocess.Popen(["bash", SBATCH], cwd=TMP, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True,
                           env=dict(BASE_ENV, MODEL=MODEL, IDS=p("ids.npy"),
                                    POSES=p("poses.npy"), OUT=p("ref"), DEVICE="cpu"))
    CHILDREN.append(ref)
    start_cluster()
    out, _ = ref.communicate(timeout=max(1, DEADLINE - time.time()))
    if not check(ref.returncode == 0, f"bash generate.sbatch (one process): exit "
                                      f"{ref.returncode} {out.strip()}"):
        return
    log("reference made")
    test_shared_folder_with_requeue()
    test_folder_per_task_then_merge()


def on_signal(sig, _):
    raise SystemExit(f"signal {sig}")


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_signal)
    try:
        main()
    except SystemExit:
        raise
    except Exception as e:   # report, clean up, fail
        FAILURES.append(repr(e))
        log(f"FAIL {e!r}")
    finally:
        if FAILURES:
            print(daemon_logs(), flush=True)
            for f in sorted(glob.glob(p("submit", "*.out"))):
                print(f"---- {os.path.basename(f)} ----\n" + open(f, errors="replace").read())
        for c in CHILDREN:
            if c.poll() is None:
                c.kill()
                c.wait()
        stop_cluster()
        shutil.rmtree(TMP, ignore_errors=True)
    print(f"{len(FAILURES)} failure(s)" + "".join(f"\n  {f}" for f in FAILURES))
    sys.exit(1 if FAILURES else 0)
