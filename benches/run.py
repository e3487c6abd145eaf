#!/usr/bin/env python3
"""meshlint's benchmark harness (issue 7). Prints one table; every ratio is taken in this run.

Usage (from the repository root; `benches/run.sh` builds the binaries first):

  benches/run.py [CORPUS_DIR] [--runs N] [--files N] [--peers] [--checkov-corpus DIR]
                 [--single FILE] [--diff] [--big] [--markdown] [--json OUT]

CORPUS_DIR   a tree of manifests; without it a synthetic tree of --files files (default 10,000)
             is built under /tmp from the templates below (deterministic).
--runs N     timed runs per command (default 5); the table shows min/median/max wall time.
--peers      also time yamllint and `checkov --framework kubernetes` when installed
             (yamllint: 1 run, checkov: 1 run, on --checkov-corpus or CORPUS_DIR).
--single F   hyperfine (if installed, else this harness) on one file: meshlint vs `cat`.
--one-of-tree  git init the corpus, then time one named file of it against the whole tree.
--diff       also time `meshlint --diff`.
--big        the 100 MB stream of small documents: meshlint --jobs 1 vs the parse-only floor.
--wait-quiet S  before each run wait up to S seconds for other processes to go idle (a shared
             machine); the last column says how many cores others used during the run anyway.

Rows: `cat` of every file (the I/O floor), the parse-only floor (`parse_floor`, one thread:
read + UTF-8 check + granit-parser events, nothing else), the same building meshlint's span
tree (`parse_floor --tree`: what the YAML layer costs), meshlint with `--jobs 1` and with
all cores (all rules, JSON report written to a file), and the peers. Peak RSS comes from
wait4(2)'s ru_maxrss of each run (max over runs). Caches are warm: one untimed run first.
"""
import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MESHLINT = os.path.join(ROOT, "target", "release", "meshlint")
FLOOR = os.path.join(ROOT, "target", "release", "examples", "parse_floor")
EXTS = (".yaml", ".yml", ".json")


TIME = shutil.which("time") and "/usr/bin/time"
FOREIGN = 0.0
RSS_FILE = os.path.join(tempfile.gettempdir(), "meshlint-bench-rss.txt")


def busy_seconds():
    """CPU time spent by everything on the machine so far (from /proc/stat), or None."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_once(cmd, stdout=subprocess.DEVNULL, cwd=None):
    """Runs cmd; returns (seconds, peak RSS in KiB, exit code).

    Linux keeps ru_maxrss across execve, so a child forked from this Python process would report
    at least Python's own size: GNU time (a small process) measures it instead when installed.
    Also records how much CPU other processes used meanwhile (`FOREIGN`): on a shared machine a
    busy neighbour halves an all-cores run, and the table must say so.
    """
    global FOREIGN
    busy0 = busy_seconds()
    wrapped = [TIME, "-f", "%M", "-o", RSS_FILE, *cmd] if TIME and os.path.exists(TIME) else cmd
    start = time.perf_counter()
    p = subprocess.Popen(wrapped, stdout=stdout, stderr=subprocess.DEVNULL, cwd=cwd)
    _, status, usage = os.wait4(p.pid, 0)
    elapsed = time.perf_counter() - start
    p.returncode = os.waitstatus_to_exitcode(status)
    busy1 = busy_seconds()
    if busy0 is not None and busy1 is not None and elapsed > 0:
        own = usage.ru_utime + usage.ru_stime
        FOREIGN = max(0.0, (busy1 - busy0 - own) / elapsed)
    rss = usage.ru_maxrss
    if wrapped is not cmd:
        try:
            with open(RSS_FILE) as f:
                rss = int(f.read().split()[-1])
        except (OSError, ValueError, IndexError):
            pass
    return elapsed, rss, p.returncode


WAIT_QUIET = 0.0


def wait_quiet():
    """Waits (up to --wait-quiet seconds) until other processes use under 0.15 cores."""
    deadline = time.time() + WAIT_QUIET
    while time.time() < deadline:
        b0 = busy_seconds()
        time.sleep(0.5)
        b1 = busy_seconds()
        if b0 is None or b1 is None or (b1 - b0) / 0.5 < 0.15:
            return


def measure(cmd, runs, warmup=1, cwd=None):
    wait_quiet()
    for _ in range(warmup):
        run_once(cmd, cwd=cwd)
    times, peak, code, foreign = [], 0, 0, 0.0
    for _ in range(runs):
        if WAIT_QUIET:
            wait_quiet()
        t, rss, code = run_once(cmd, cwd=cwd)
        times.append(t)
        peak = max(peak, rss)
        foreign = max(foreign, FOREIGN)
    return {
        "foreign_cores": foreign,
        "min": min(times),
        "median": statistics.median(times),
        "max": max(times),
        "rss_kib": peak,
        "exit": code,
        "runs": runs,
    }


def manifests(root):
    """The files meshlint walks by default (hidden entries skipped); (paths, bytes)."""
    out, size = [], 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(EXTS):
                continue
            p = os.path.join(dirpath, name)
            if os.path.isfile(p):
                out.append(p)
                size += os.path.getsize(p)
    return out, size


TEMPLATES = [
    """apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{ns}
  labels:
    app: app-{i}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: app-{i}
  template:
    metadata:
      labels:
        app: app-{i}
      annotations:
        traffic.sidecar.istio.io/excludeOutboundIPRanges: "10.{a}.0.0/16, 169.254.169.254"
    spec:
      containers:
        - name: app
          image: registry.example.com/app:{i}
          ports:
            - containerPort: 8080
          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
""",
    """apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
  namespace: team-{ns}
spec:
  selector:
    app: app-{i}
  ports:
    - name: http
      port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg-{i}
  namespace: team-{ns}
data:
  settings.yaml: |
    level: info
    peers: [a, b, c]
""",
    """apiVersion: batch/v1
kind: CronJob
metadata:
  name: job-{i}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            proxy.istio.io/config: '{{ "holdApplicationUntilProxyStarts": true }}'
            vault.hashicorp.com/agent-inject: "true"
        spec:
          restartPolicy: OnFailure
          containers:
            - name: job
              image: busybox
              command: ["sh", "-c", "date"]
""",
    """apiVersion: v1
kind: Namespace
metadata:
  name: team-{ns}
  labels:
    istio-injection: enabled
""",
]


def synthesize(n):
    out = tempfile.mkdtemp(prefix=f"meshlint-bench-{n}-")
    for i in range(n):
        d = os.path.join(out, f"dir-{i // 100:04d}")
        os.makedirs(d, exist_ok=True)
        text = TEMPLATES[i % len(TEMPLATES)].format(i=i, ns=i % 37, a=i % 250)
        with open(os.path.join(d, f"m-{i:06d}.yaml"), "w") as f:
            f.write(text)
    return out


def big_stream(src_files, target_bytes):
    """A stream of small documents built from the corpus's files, `target_bytes` long."""
    fd, path = tempfile.mkstemp(prefix="meshlint-big-", suffix=".yaml")
    written = 0
    docs = []
    for p in src_files:
        try:
            with open(p, encoding="utf-8") as f:
                t = f.read()
        except (UnicodeDecodeError, OSError):
            continue
        if "{{" in t or "\0" in t or len(t) > 16384 or p.endswith(".json"):
            continue
        docs.append(t.rstrip("\n") + "\n")
        if len(docs) >= 2000:
            break
    with os.fdopen(fd, "w") as f:
        i = 0
        while written < target_bytes and docs:
            chunk = "---\n" + docs[i % len(docs)]
            f.write(chunk)
            written += len(chunk.encode())
            i += 1
    return path


HEADER = "| command | wall s (min / median / max) | MB/s | files/s | peak RSS MiB | runs | exit | busy neighbours (cores) |"
RULE = "|---|---|---:|---:|---:|---:|---:|---:|"


def fmt_row(name, files, mb, r):
    if r is None:
        return f"| {name} | – | – | – | – | – | – | – |"
    med = r["median"]
    return (
        f"| {name} | {r['min']:.3f} / {med:.3f} / {r['max']:.3f} | {mb / med:,.1f} | "
        f"{files / med:,.0f} | {r['rss_kib'] / 1024:,.1f} | {r['runs']} | {r['exit']} | "
        f"{r.get('foreign_cores', 0):.2f} |"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", nargs="?")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--files", type=int, default=10000)
    ap.add_argument("--peers", action="store_true")
    ap.add_argument("--checkov-corpus")
    ap.add_argument("--single")
    ap.add_argument("--diff", action="store_true")
    ap.add_argument("--big", action="store_true")
    ap.add_argument("--one-of-tree", action="store_true",
                    help="make the corpus a git work tree (git init) and time one named file of it")
    ap.add_argument("--big-mb", type=int, default=100)
    ap.add_argument("--json")
    ap.add_argument("--skip-table", action="store_true", help="only the extra measurements")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                    help="before each run, wait up to SECONDS for other processes to go idle")
    args = ap.parse_args()
    global WAIT_QUIET
    WAIT_QUIET = args.wait_quiet

    for b in (MESHLINT, FLOOR):
        if not os.path.exists(b):
            sys.exit(f"missing {b}: run benches/run.sh (it builds the release binaries)")
    corpus = args.corpus or synthesize(args.files)
    files, size = manifests(corpus)
    mb = size / 1e6
    cores = os.cpu_count() or 1
    out_json = os.path.join(tempfile.gettempdir(), "meshlint-bench-report.json")
    listing = os.path.join(tempfile.gettempdir(), "meshlint-bench-files.txt")
    with open(listing, "w") as f:
        f.write("\0".join(files))
    rows = {}
    print(f"corpus: {corpus}: {len(files):,} manifests, {mb:.1f} MB; {cores} cores; {args.runs} runs each", flush=True)

    if not args.skip_table:
        rows["cat (I/O floor)"] = measure(["sh", "-c", f"xargs -0 cat < {listing} > /dev/null"], args.runs)
        rows["parse-only floor, 1 thread"] = measure([FLOOR, "--jobs", "1", corpus], args.runs)
        rows["parse + meshlint's tree, 1 thread"] = measure(
            [FLOOR, "--jobs", "1", "--tree", corpus], args.runs)
        rows["meshlint --jobs 1"] = measure(
            [MESHLINT, "--jobs", "1", "--format", "json", "--output-file", out_json, corpus], args.runs)
        rows[f"meshlint (all {cores} cores)"] = measure(
            [MESHLINT, "--format", "json", "--output-file", out_json, corpus], args.runs)
        if args.diff:
            rows[f"meshlint --diff (all {cores} cores)"] = measure(
                ["sh", "-c", f"{MESHLINT} --diff {corpus} > /dev/null 2>&1"], args.runs)
        if args.peers:
            if shutil.which("yamllint"):
                rows["yamllint"] = measure(["yamllint", "-f", "parsable", corpus], 1, warmup=0)
            else:
                print("yamllint not installed: skipped", file=sys.stderr)

        def ratio(a, b):
            return rows[a]["median"] / rows[b]["median"]

        print()
        print(HEADER)
        print(RULE)
        for name, r in rows.items():
            print(fmt_row(name, len(files), mb, r))
        print()
        j1, jall = "meshlint --jobs 1", f"meshlint (all {cores} cores)"
        floor = "parse-only floor, 1 thread"
        print(f"- `--jobs 1` throughput / parse-only floor throughput: {ratio(floor, j1):.0%} (target ≥ 80%)")
        print(f"- all cores / `--jobs 1` throughput: {ratio(j1, jall):.2f}× (target ≥ 1.6×)")
        if args.diff:
            print(f"- `--diff` / plain linting: {ratio(f'meshlint --diff (all {cores} cores)', jall):.2f}× (target ≤ 2×)")
        if "yamllint" in rows:
            print(f"- yamllint / meshlint: {ratio('yamllint', jall):.0f}× (target ≥ 100×)")
        print(f"- peak RSS: {rows[jall]['rss_kib'] / 1024:.1f} MiB (all cores), {rows[j1]['rss_kib'] / 1024:.1f} MiB (`--jobs 1`)")


    extra = {}
    if args.peers and shutil.which("checkov"):
        ck = args.checkov_corpus or corpus
        ck_files, ck_size = manifests(ck)
        print(f"\ncheckov corpus: {ck}: {len(ck_files):,} manifests, {ck_size / 1e6:.1f} MB", flush=True)
        c = measure(["checkov", "--framework", "kubernetes", "-d", ck, "--quiet", "--compact"], 1, warmup=0)
        m = measure([MESHLINT, "--format", "json", "--output-file", out_json, ck], args.runs)
        print(HEADER)
        print(RULE)
        print(fmt_row("checkov --framework kubernetes", len(ck_files), ck_size / 1e6, c))
        print(fmt_row(f"meshlint (all {cores} cores)", len(ck_files), ck_size / 1e6, m))
        print(f"- checkov / meshlint: {c['median'] / m['median']:.0f}× (target ≥ 100×)")
        extra["checkov"] = {"checkov": c, "meshlint": m}

    if args.single:
        print(f"\none file: {args.single} ({os.path.getsize(args.single):,} bytes)", flush=True)
        # A copy outside any git work tree: the file's own cost. Inside one, meshlint also reads
        # the rest of the project for facts (the `one file of the tree` row below).
        single_dir = tempfile.mkdtemp(prefix="meshlint-single-")
        args.single = shutil.copy(args.single, single_dir)
        if shutil.which("hyperfine"):
            hf = os.path.join(tempfile.gettempdir(), "meshlint-hyperfine.json")
            subprocess.run(["hyperfine", "-N", "--warmup", "20", "--runs", "300", "--export-json", hf,
                            "--style", "none", f"cat {args.single}", f"{MESHLINT} {args.single}"],
                           check=False, stdout=subprocess.DEVNULL)
            res = json.load(open(hf))["results"]
            cat_med, ml_med = res[0]["median"], res[1]["median"]
        else:
            cat_med = measure(["cat", args.single], 200, warmup=10)["median"]
            ml_med = measure([MESHLINT, args.single], 200, warmup=10)["median"]
        print(f"- median: cat {cat_med * 1e3:.2f} ms, meshlint {ml_med * 1e3:.2f} ms: "
              f"+{(ml_med - cat_med) * 1e3:.2f} ms (target ≤ 2 ms)")
        extra["single"] = {"cat": cat_med, "meshlint": ml_med}

    if args.one_of_tree:
        # What pre-commit runs in a large repository: one staged file named, facts gathered from
        # every other file of the work tree.
        if not os.path.exists(os.path.join(corpus, ".git")):
            subprocess.run(["git", "init", "-q", corpus], check=True)
        one = os.path.relpath(files[len(files) // 2], corpus)
        print(f"\none file of the tree (a git work tree): {one}", flush=True)
        whole = measure([MESHLINT, "--jobs", "1", "--no-config", "--format", "json", "--output-file",
                         out_json, "."], args.runs, cwd=corpus)
        named = measure([MESHLINT, "--no-config", "--format", "json", "--output-file", out_json, one],
                        args.runs, cwd=corpus)
        print(f"- median: one file {named['median']:.3f} s, the whole tree with --jobs 1 "
              f"{whole['median']:.3f} s: {100 * named['median'] / whole['median']:.0f}% (target ≤ 50%)")
        extra["one_of_tree"] = {"named": named, "whole": whole}

    if args.big:
        path = big_stream(files, args.big_mb * 1_000_000)
        size_big = os.path.getsize(path)
        print(f"\n{args.big_mb} MB stream: {path} ({size_big / 1e6:.1f} MB)", flush=True)
        fl = measure([FLOOR, "--jobs", "1", path], 3)
        ml = measure([MESHLINT, "--jobs", "1", "--format", "json", "--output-file", out_json, path], 3)
        print(HEADER)
        print(RULE)
        print(fmt_row("parse-only floor, 1 thread", 1, size_big / 1e6, fl))
        print(fmt_row("meshlint --jobs 1", 1, size_big / 1e6, ml))
        print(f"- meshlint / floor time: {ml['median'] / fl['median']:.2f}× (target ≤ 1.5×), "
              f"peak RSS {ml['rss_kib'] / 1024:.0f} MiB (target ≤ 300 MiB)")
        extra["big"] = {"floor": fl, "meshlint": ml}
        os.unlink(path)

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"corpus": corpus, "files": len(files), "bytes": size, "rows": rows, **extra}, f, indent=1)


if __name__ == "__main__":
    main()
