#!/usr/bin/env python3
"""The ROMFS path of the process TASK in an init.yaml (docs/init-yaml.md), for scripts/debug.

Usage: init_yaml_path.py INIT_YAML TASK
Prints the path and exits 0, or exits 1 when no entity has that task name. Only what this needs
of the format is read: each entity starts with "- name:" under "entities:"; its task name is
`task` (default: the class name), its path `path` (default: the class name after its last ".").
"""
import sys


def entities(lines):
    cur = None
    for line in lines:
        text = line.split("#", 1)[0].rstrip()
        stripped = text.strip()
        if stripped.startswith("- name:"):
            if cur:
                yield cur
            cur = {"name": stripped[len("- name:"):].strip().strip('"')}
        elif cur is not None and text.startswith("  ") and not text.startswith("   ") \
                and ":" in stripped and not stripped.startswith("-"):
            key, value = stripped.split(":", 1)
            cur.setdefault(key.strip(), value.strip().strip('"'))
        elif text and not text.startswith(" ") and not text.startswith("-"):
            if cur:
                yield cur
            cur = None
    if cur:
        yield cur


def main():
    init_yaml, task = sys.argv[1], sys.argv[2]
    with open(init_yaml, encoding="utf-8") as f:
        for e in entities(f):
            if (e.get("task") or e["name"]) == task:
                print(e.get("path") or e["name"].rsplit(".", 1)[-1])
                return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
