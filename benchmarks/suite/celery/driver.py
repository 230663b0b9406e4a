"""Celery's side of `npm run bench`, driven by benchmarks/suite/celery-engine.ts.

Reads one JSON command per line on stdin and answers one JSON line on stdout:
  {"op": "start"}                    start a worker (prefork pool, CELERY_BENCH_PROCESSES processes)
  {"op": "warmUp", "withWorker": b}  one tiny task, waited for when a worker runs
  {"op": "fanOut", "n": N}           chord(group(N x noop), sum)              -> {"submit": ms, "total": ms}
  {"op": "chain", "n": N}            chain(step.si(0), (N-1) x step.s())      -> {"submit": ms, "total": ms}
  {"op": "mixed", "n": N}            chain(chord(group(N x chain(step x 3)), sum), chord(group(step x 3), sum))
  {"op": "smallRuns", "n": N}        N runs of chain(noop, group(noop, noop), sum) at once -> {"total": ms}
  {"op": "submitOnly", "n": N}       the fan-out's chord sent, no worker       -> {"submit": ms}
  {"op": "cpu"}                      CPU microseconds used so far by this process and the worker's
  {"op": "stop"}                     stop the worker (warm shutdown) and exit
Errors are answered as {"error": "..."}.
"""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from celery import chain, chord, group  # noqa: E402
from tasks import noop, step, total  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")
worker = None


def now_ms():
    return time.perf_counter() * 1000


def tree_pids(root):
    """The worker's pid and its pool processes' (children by parent pid, from /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                parents.setdefault(int(fields[1]), []).append(int(entry))
            except OSError:
                pass
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(parents.get(pid, []))
    return pids


def process_cpu_us(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the command name.
        return sum(int(value) for value in fields[11:15]) * 1_000_000 / TICKS
    except OSError:
        return 0


def cpu_us():
    own = os.times()
    used = (own.user + own.system) * 1_000_000
    if worker is not None:
        used += sum(process_cpu_us(pid) for pid in tree_pids(worker.pid))
    return used


def stop_worker():
    global worker
    if worker is not None and worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=120)
        except subprocess.TimeoutExpired:
            worker.kill()
    worker = None


def start():
    global worker
    processes = os.environ.get("CELERY_BENCH_PROCESSES", "2")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "tasks", "worker", "--pool=prefork", "-c", processes,
         "--loglevel=warning", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=HERE,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("CELERY_BENCH_LOG", os.devnull), "a"),
    )
    noop.delay(0).get(timeout=120)  # returns once the worker consumes
    return {}


def timed(signature):
    started = now_ms()
    result = signature.apply_async()
    submitted = now_ms()
    result.get(timeout=3600, disable_sync_subtasks=False)
    return {"submit": submitted - started, "total": now_ms() - started}


def fan_out_canvas(n):
    return chord(group(noop.si(index) for index in range(n)), total.s())


def run(command):
    op = command["op"]
    n = command.get("n", 0)
    if op == "start":
        return start()
    if op == "warmUp":
        result = noop.delay(0)
        if command.get("withWorker"):
            result.get(timeout=120)
        return {}
    if op == "fanOut":
        return timed(fan_out_canvas(n))
    if op == "chain":
        return timed(chain(step.si(0), *[step.s() for _ in range(n - 1)]))
    if op == "mixed":
        return timed(chain(
            chord(group(chain(step.si(index), step.s(), step.s()) for index in range(n)), total.s()),
            chord(group(step.s(), step.s(), step.s()), total.s()),
        ))
    if op == "smallRuns":
        started = now_ms()
        results = [chain(noop.si(index), group(noop.s(), noop.s()), total.s()).apply_async() for index in range(n)]
        for result in results:
            result.get(timeout=3600)
        return {"total": now_ms() - started}
    if op == "submitOnly":
        started = now_ms()
        fan_out_canvas(n).apply_async()
        return {"submit": now_ms() - started}
    if op == "cpu":
        return {"micros": cpu_us()}
    if op == "stop":
        stop_worker()
        return {}
    raise ValueError(f"unknown op {op!r}")


# The suite stopping us (SIGTERM, or its end of the pipe closing) stops the worker too.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
try:
    for line in sys.stdin:
        command = json.loads(line)
        try:
            answer = run(command)
        except Exception as error:  # answered, so the suite reports it instead of hanging
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
        if command["op"] == "stop":
            break
finally:
    stop_worker()
