#!/usr/bin/env python3
"""docs/architecture.md's file map against the tree: every source file of the mapped folders
has a row (a file and its header may share one, `name.[ch]`), and every row names a file that
exists. Prints each difference; exits 1 if there is one.

Usage: file_map.py <source root>
"""
import os
import re
import subprocess
import sys

FOLDERS = ["boot", "kern", "idl", "ksm", "hostlib", "services", "userland", "bench", "scripts"]
NOT_MAPPED = (".txt", ".json", ".png", ".gitignore", ".md")  # data and docs, not source


def mapped(doc):
    """The files the map names, from its '### `folder/`' headings and '| `name` |' rows."""
    text = open(doc, encoding="utf-8").read()
    start = text.find("\n## File map")
    if start < 0:
        return None
    names, folder = set(), None
    for line in text[start:].splitlines():
        h = re.match(r"^### `([^`]+)/`", line)
        if h:
            folder = h.group(1)
            continue
        if line.startswith("## ") and not line.startswith("## File map"):
            break
        r = re.match(r"^\| `([^`]+)` \|", line)
        if r and folder is not None:
            name = r.group(1)
            if name.endswith(".[ch]"):
                names.add("%s/%s.c" % (folder, name[:-5]))
                names.add("%s/%s.h" % (folder, name[:-5]))
            else:
                names.add("%s/%s" % (folder, name))
    return names


def main():
    if len(sys.argv) != 2:
        print("usage: file_map.py <source root>", file=sys.stderr)
        return 2
    root = sys.argv[1]
    names = mapped(os.path.join(root, "docs", "architecture.md"))
    if names is None:
        print("FAIL file-map: docs/architecture.md has no '## File map' section")
        return 1
    tracked = subprocess.check_output(["git", "ls-files"] + FOLDERS, cwd=root, text=True).split()
    files = {f for f in tracked if not f.endswith(NOT_MAPPED)}
    bad = 0
    for f in sorted(files - names):
        print("FAIL file-map: %s has no row in docs/architecture.md's file map" % f)
        bad = 1
    for f in sorted(names - files):
        # A pair row may name a .h without its .c (or the reverse) only if neither exists alone.
        stem = f[:-2] if f.endswith((".c", ".h")) else None
        if stem and (stem + ".c" in files or stem + ".h" in files):
            print("FAIL file-map: the row `%s.[ch]` names a pair, but only one of the two exists" % os.path.basename(stem))
        else:
            print("FAIL file-map: docs/architecture.md's file map names %s, which does not exist" % f)
        bad = 1
    if not bad:
        print("file-map: %d source files, each with its row in docs/architecture.md" % len(files))
    return bad


if __name__ == "__main__":
    sys.exit(main())
