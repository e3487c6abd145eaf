#!/usr/bin/env python3
"""fix-corpus: run `meshlint --fix` over copies of real repositories and check what it wrote.

    scripts/fix-corpus.py MESHLINT_BIN CORPUS_DIR... [--unsafe-fixes] [--keep DIR] [--verbose]

Each immediate subdirectory of a CORPUS_DIR is one project (a repository's Kubernetes files),
copied to a temporary directory and fixed there with `MESHLINT_BIN --no-config --fix`. For every
file the fix changed, the script checks, with PyYAML (YAML 1.1 with `<<` merge keys, as the
Kubernetes API machinery reads manifests) as an outside reader:

  breaks        a file that parsed before no longer parses
  meaning       what a document means (merges applied; null and empty maps absent, as Kubernetes
                reads them; `proxy.istio.io/config` read as the YAML it holds; capture lists as
                sets of elements) changed at a leaf that no fix offered for that file names
                (its message, the text at its finding, or what its edits write)
  selectors     a workload's selector matched its pod template's labels before and not after
  unstable      a second `--fix` changed the file again

and prints the counts, with the first findings of each kind. Exit status 0 when all are zero,
1 otherwise, 2 on a usage error or a crashed run. Needs PyYAML (`pip install pyyaml`).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("fix-corpus: needs PyYAML (pip install pyyaml)")

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MANIFEST = (".yaml", ".yml", ".json")
CAPTURE = {
    "excludeIPRanges",
    "includeIPRanges",
    "excludeOutboundPorts",
    "excludeInboundPorts",
    "includeInboundPorts",
}


def is_capture_list(key):
    return key.startswith("traffic.sidecar.istio.io/") or key in CAPTURE


def load(path):
    """The documents of a file, or None when it does not parse."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            return list(yaml.load_all(f, Loader=LOADER))
    except Exception:  # noqa: BLE001 - any reader error means "does not parse"
        return None


def leaves(value, path, out, depth=0):
    if depth > 60:
        return
    if isinstance(value, dict):
        for k, v in value.items():
            key = str(k)
            if v is None or v == {} or v == []:
                continue
            p = path + (key,)
            if key == "proxy.istio.io/config" and isinstance(v, str):
                try:
                    inner = yaml.load(v, Loader=LOADER)
                except Exception:  # noqa: BLE001
                    inner = None
                if isinstance(inner, dict):
                    leaves(inner, p, out, depth + 1)
                    continue
            if is_capture_list(key) and isinstance(v, str):
                for e in (x.strip() for x in v.split(",")):
                    if e:
                        out[p + (e,)] = "element"
                continue
            leaves(v, p, out, depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            leaves(item, path + (f"[{i}]",), out, depth + 1)
    else:
        out[path] = f"{type(value).__name__}:{value!r}"


def meaning(docs):
    out = {}
    for i, d in enumerate(docs):
        leaves(d, (f"#{i}",), out)
    return out


def words(text, into):
    cur = []
    for ch in text + " ":
        if ch.isalnum() or ch in "./_-:*":
            cur.append(ch)
            continue
        w = "".join(cur).strip(":")
        cur = []
        if w:
            into.add(w)
            if "." in w:
                into.add(w.rsplit(".", 1)[1])


def is_named(path, named, old, new):
    keys = [i for i, c in enumerate(path) if not c.startswith(("[", "#"))]
    if not keys:
        return True
    last = keys[-1]
    if path[last] in named:
        return True
    if last > 0 and is_capture_list(path[last - 1]) and path[last - 1] in named:
        return True
    for end in range(last, 1, -1):
        c = path[end - 1]
        if c.startswith(("[", "#")) or c not in named:
            continue
        prefix = path[:end]
        if not any(k[:end] == prefix for k in old) or not any(k[:end] == prefix for k in new):
            return True
    return False


def selectors(docs):
    out = []
    for d in docs or []:
        ok = False
        spec = d.get("spec") if isinstance(d, dict) else None
        sel = spec.get("selector") if isinstance(spec, dict) else None
        tmpl = spec.get("template") if isinstance(spec, dict) else None
        if isinstance(sel, dict) and isinstance(tmpl, dict):
            meta = tmpl.get("metadata") or {}
            labels = meta.get("labels") or {} if isinstance(meta, dict) else {}
            labels = {str(k): "" if v is None else str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
            ok = True
            ml = sel.get("matchLabels") or {}
            if isinstance(ml, dict):
                ok = all(labels.get(str(k)) == ("" if v is None else str(v)) for k, v in ml.items())
            for e in sel.get("matchExpressions") or []:
                if not isinstance(e, dict):
                    continue
                have = labels.get(str(e.get("key")))
                values = [str(v) for v in e.get("values") or []]
                op = e.get("operator")
                ok = ok and {
                    "In": have is not None and have in values,
                    "NotIn": not (have is not None and have in values),
                    "Exists": have is not None,
                    "DoesNotExist": have is None,
                }.get(op, False)
        out.append(ok)
    return out


def manifests(root):
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        for f in files:
            if f.endswith(MANIFEST):
                yield os.path.join(d, f)


def run(binary, args, cwd):
    p = subprocess.run([binary, "--no-config", *args], cwd=cwd, capture_output=True, timeout=600)
    if p.returncode not in (0, 1):
        raise RuntimeError(f"{binary} {' '.join(args)} in {cwd}: exit {p.returncode}: {p.stderr.decode()[:400]}")
    return p


def check_project(binary, src, work, unsafe, report):
    shutil.copytree(src, work, symlinks=True)
    for d, _, fs in os.walk(work):  # the corpus is read-only; its copy must not be
        os.chmod(d, 0o755)
        for f in fs:
            if not os.path.islink(os.path.join(d, f)):
                os.chmod(os.path.join(d, f), 0o644)
    extra = ["--unsafe-fixes"] if unsafe else []
    lint = json.loads(run(binary, ["--format", "json", *extra, "."], work).stdout)
    named = {}
    for d in lint["diagnostics"]:
        fix = d.get("fix")
        if not fix or (fix["applicability"] == "unsafe" and not unsafe):
            continue
        into = named.setdefault(os.path.normpath(d["file"]), set())
        words(d["message"], into)
        words(fix.get("message", ""), into)
        for e in fix["edits"]:
            words(e["content"], into)
    files = list(manifests(work))
    before = {f: open(f, "rb").read() for f in files}
    run(binary, ["--fix", *extra, "."], work)
    after = {f: open(f, "rb").read() for f in files}
    run(binary, ["--fix", *extra, "."], work)
    for f in files:
        rel = os.path.relpath(f, work)
        if open(f, "rb").read() != after[f]:
            report["unstable"].append(rel)
        if after[f] == before[f]:
            continue
        report["changed"] += 1
        tmp_before = f + ".before"
        with open(tmp_before, "wb") as t:
            t.write(before[f])
        old_docs, new_docs = load(tmp_before), load(f)
        os.remove(tmp_before)
        if old_docs is not None and new_docs is None:
            report["breaks"].append(rel)
            continue
        if old_docs is None:
            continue
        old, new = meaning(old_docs), meaning(new_docs)
        names = named.get(os.path.normpath(rel), set())
        changed = [k for k in old if new.get(k) != old[k]] + [k for k in new if k not in old]
        for k in changed:
            if not is_named(k, names, old, new):
                report["meaning"].append(f"{rel}: {'/'.join(k)}")
        for i, (a, b) in enumerate(zip(selectors(old_docs), selectors(new_docs))):
            if a and not b:
                report["selectors"].append(f"{rel} document {i}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("corpora", nargs="+")
    ap.add_argument("--unsafe-fixes", action="store_true")
    ap.add_argument("--keep", help="copy the fixed projects here")
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    report = {"projects": 0, "files": 0, "changed": 0, "breaks": [], "meaning": [], "selectors": [], "unstable": []}
    with tempfile.TemporaryDirectory() as tmp:
        for corpus in a.corpora:
            for name in sorted(os.listdir(corpus)):
                src = os.path.join(corpus, name)
                if not os.path.isdir(src):
                    continue
                work = os.path.join(a.keep or tmp, os.path.basename(os.path.normpath(corpus)), name)
                report["projects"] += 1
                report["files"] += sum(1 for _ in manifests(src))
                try:
                    check_project(binary, src, work, a.unsafe_fixes, report)
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print(f"fix-corpus: {e}", file=sys.stderr)
                    return 2
    bad = 0
    print(f"{report['projects']} projects, {report['files']} manifests, {report['changed']} changed by --fix"
          f"{' --unsafe-fixes' if a.unsafe_fixes else ''}")
    for kind in ("breaks", "meaning", "selectors", "unstable"):
        items = report[kind]
        bad += len(items)
        print(f"  {kind:10} {len(items)}")
        for it in items[: (len(items) if a.verbose else 5)]:
            print(f"    {it}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
