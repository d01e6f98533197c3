#!/usr/bin/env python3
"""No shell script that sets pipefail pipes into a grep that stops early (grep -q, -m).

Such a grep exits at its first match; the command before it in the pipeline then dies of
SIGPIPE if it still had more to write than the pipe holds (64 KiB: a serial log), and with
pipefail the whole pipeline reads as "no match". It fails only on big enough input, and not
every time: a check that passes on the development machine and fails in CI. Read the whole
input instead: grep PATTERN >/dev/null.

Usage: pipefail_grep_q.py ROOT
"""
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(sys.argv[1])
files = subprocess.run(["git", "-C", str(root), "ls-files"], capture_output=True, text=True,
                       check=True).stdout.split()
early = re.compile(r"\|\s*grep\s+(-[A-Za-z]*[qm][A-Za-z]*\b|--quiet|--silent|--max-count)")
bad = checked = 0
for name in files:
    path = root / name
    if not path.is_file():
        continue
    try:
        text = path.read_text()
    except (UnicodeDecodeError, OSError):
        continue
    shell = name.endswith(".sh") or text.startswith("#!/usr/bin/env bash") or \
        text.startswith("#!/bin/bash") or text.startswith("#!/bin/sh")
    if not shell or "pipefail" not in text:
        continue
    checked += 1
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        if early.search(line):
            print(f"FAIL pipefail-grep-q: {name}:{n}: a pipeline into a grep that stops early, "
                  f"under pipefail: {line.strip()}")
            bad += 1
print(f"pipefail-grep-q: {checked} scripts with pipefail, "
      f"{'%d early-stopping greps in pipelines' % bad if bad else 'none pipes into an early-stopping grep'}")
sys.exit(1 if bad else 0)
