#!/usr/bin/env python3
"""same-output: check that two meshlint builds print byte-identical output on corpora of projects.

    same-output.py record BIN OUT_DIR CORPUS...
    same-output.py compare OLD NEW CORPUS...

A CORPUS is a folder whose sub-folders are projects (repositories); files at its top level
(provenance notes, label tables) are not linted. The project's shared test material holds two
such corpora, `corpus/real` and `corpus/wild`; any folder of checked-out repositories works.

OLD and NEW are each a meshlint binary or a folder written by `record`. Each corpus is copied
to a temporary folder first (so no run can change the originals), then every project is linted
as its own project, from the corpus folder (reported paths are `PROJECT/PATH`), with all rules
and no configuration file, in three ways:

    json         --no-config --select MESH --format json PROJECT
    diff         --no-config --select MESH --diff PROJECT
    diff-unsafe  --no-config --select MESH --diff --unsafe-fixes PROJECT

Stdout, stderr and the exit status of every run are compared byte for byte. `compare` lists
every run that differs and exits 1 if any does, 0 if all are identical; `record` saves the
outputs of BIN so that a later build can be compared with it after the first one is gone.

Stdlib only; exit status 2 on a usage error or when a binary cannot be run.
"""
import os
import shutil
import subprocess
import sys
import tempfile

MODES = {
    'json': ['--format', 'json'],
    'diff': ['--diff'],
    'diff-unsafe': ['--diff', '--unsafe-fixes'],
}
TIMEOUT = 300


def usage(msg=None):
    if msg:
        print(f'same-output: {msg}', file=sys.stderr)
    print(__doc__.split('\n\n')[1], file=sys.stderr)
    return 2


def projects(corpus):
    return sorted(d for d in os.listdir(corpus) if os.path.isdir(os.path.join(corpus, d)))


def copy_corpora(corpora, tmp):
    """Copies each corpus into tmp; returns [(name, copy)] with distinct names."""
    out = []
    seen = set()
    for c in corpora:
        if not os.path.isdir(c):
            raise SystemExit(usage(f'no corpus folder {c!r}'))
        name = os.path.basename(os.path.normpath(os.path.abspath(c)))
        while name in seen:
            name += '_'
        seen.add(name)
        dst = os.path.join(tmp, name)
        shutil.copytree(c, dst, symlinks=True)
        out.append((name, dst))
    return out


def run(binary, cwd, project, mode):
    """(exit status, stdout, stderr) of one run, as bytes."""
    cmd = [binary, '--no-config', '--select', 'MESH', *MODES[mode], project]
    env = dict(os.environ, NO_COLOR='1')
    env.pop('CLICOLOR_FORCE', None)
    try:
        pr = subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=TIMEOUT, env=env)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f'same-output: cannot run {" ".join(cmd)} in {cwd}: {e}', file=sys.stderr)
        raise SystemExit(2) from e
    return str(pr.returncode).encode() + b'\n', pr.stdout, pr.stderr


PARTS = ('status', 'stdout', 'stderr')


class Binary:
    def __init__(self, path):
        self.path = os.path.abspath(path)

    def outputs(self, corpus, cwd, project, mode):
        return run(self.path, cwd, project, mode)


class Recorded:
    def __init__(self, path):
        self.path = path

    def outputs(self, corpus, cwd, project, mode):
        base = os.path.join(self.path, corpus, project, mode)
        got = []
        for part in PARTS:
            try:
                with open(f'{base}.{part}', 'rb') as f:
                    got.append(f.read())
            except FileNotFoundError:
                got.append(None)
        return tuple(got)


def source(arg):
    if os.path.isdir(arg):
        return Recorded(arg)
    if os.path.isfile(arg) and os.access(arg, os.X_OK):
        return Binary(arg)
    raise SystemExit(usage(f'{arg!r} is neither an executable nor a recorded folder'))


def each_run(copies):
    for name, cwd in copies:
        for project in projects(cwd):
            for mode in MODES:
                yield name, cwd, project, mode


def record(binary, out, corpora):
    b = source(binary)
    if not isinstance(b, Binary):
        return usage('record needs a binary')
    if os.path.exists(out) and os.listdir(out):
        return usage(f'{out!r} is not empty: record into a new folder')
    with tempfile.TemporaryDirectory(prefix='same-output-') as tmp:
        copies = copy_corpora(corpora, tmp)
        n = 0
        for name, cwd, project, mode in each_run(copies):
            base = os.path.join(out, name, project, mode)
            os.makedirs(os.path.dirname(base), exist_ok=True)
            for part, data in zip(PARTS, b.outputs(name, cwd, project, mode)):
                with open(f'{base}.{part}', 'wb') as f:
                    f.write(data)
            n += 1
    print(f'recorded {n} runs of {binary} in {out}')
    return 0


def compare(old, new, corpora):
    a, b = source(old), source(new)
    with tempfile.TemporaryDirectory(prefix='same-output-') as tmp:
        copies = copy_corpora(corpora, tmp)
        n, differ = 0, []
        for name, cwd, project, mode in each_run(copies):
            n += 1
            got_a = a.outputs(name, cwd, project, mode)
            got_b = b.outputs(name, cwd, project, mode)
            for part, x, y in zip(PARTS, got_a, got_b):
                if x is None or y is None:
                    differ.append(f'{name}/{project} {mode}: {part} not recorded')
                elif x != y:
                    differ.append(f'{name}/{project} {mode}: {part} differs '
                                  f'({len(x)} vs {len(y)} bytes)')
        for name, cwd in copies:
            if isinstance(a, Recorded):
                extra = set(os.listdir(os.path.join(a.path, name))) - set(projects(cwd)) \
                    if os.path.isdir(os.path.join(a.path, name)) else set()
                differ.extend(f'{name}/{p}: recorded but not in the corpus' for p in sorted(extra))
    for d in differ:
        print(d)
    verdict = 'IDENTICAL' if not differ else f'DIFFERENT ({len(differ)} outputs)'
    print(f'{verdict}: {n} runs ({len(MODES)} modes) of {old} and {new} on '
          + ', '.join(corpora))
    return 1 if differ else 0


def main(argv):
    if len(argv) >= 5 and argv[1] == 'record':
        return record(argv[2], argv[3], argv[4:])
    if len(argv) >= 5 and argv[1] == 'compare':
        return compare(argv[2], argv[3], argv[4:])
    return usage()


if __name__ == '__main__':
    sys.exit(main(sys.argv))
