#!/usr/bin/env python3
"""The kernel's include graph, checked against the layering docs/architecture.md states.

A module is a source file and its header (kern/ipc/call.c and kern/ipc/call.h are the module
ipc/call); module A depends on module B when A's .c or .h includes B's header. A circle of
modules is a strongly connected component of that graph. The rules:

  - no circle joins two folders that must stay apart (FORBIDDEN_CIRCLES: kern/security and
    kern/ipc: the monitor's channel uses IPC, IPC knows nothing of the monitor);
  - no module of a folder includes a header of a folder it must not know (FORBIDDEN_EDGES).

Prints every circle of more than one module (for information) and each broken rule with the
path that breaks it; exits 1 if a rule is broken.

Usage: include_layers.py <kern dir>
"""
import os
import re
import sys

FORBIDDEN_CIRCLES = [("security", "ipc")]
FORBIDDEN_EDGES = [("ipc", "security")]  # (folder, folder it must not include)

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def module_of(path, kern):
    rel = os.path.relpath(path, kern)
    return os.path.splitext(rel)[0]


def folder_of(module):
    return module.split("/")[0] if "/" in module else ""


def read_graph(kern):
    files = []
    for root, _, names in os.walk(kern):
        for n in names:
            if n.endswith((".c", ".h")):
                files.append(os.path.join(root, n))
    modules = {module_of(f, kern) for f in files}
    graph = {m: set() for m in modules}
    edges = {}  # (a, b) -> the file and line that makes it
    for f in sorted(files):
        a = module_of(f, kern)
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for match in INCLUDE.finditer(text):
            inc = match.group(1)
            target = None
            for cand in (os.path.join(kern, inc), os.path.join(os.path.dirname(f), inc)):
                if os.path.exists(cand):
                    target = module_of(os.path.normpath(cand), kern)
                    break
            if target is None or target == a or target not in graph:
                continue  # generated, uapi or system headers: not part of the module graph
            graph[a].add(target)
            line = text.count("\n", 0, match.start()) + 1
            edges.setdefault((a, target), "%s:%d" % (os.path.relpath(f, kern), line))
    return graph, edges


def circles(graph):
    """Tarjan's strongly connected components, iteratively (the graph is small, the rule is not)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(sorted(comp))
    return out


def path(graph, src, dst, allowed):
    """A shortest include path from src to dst inside `allowed` (breadth first)."""
    prev, queue = {src: None}, [src]
    while queue:
        v = queue.pop(0)
        if v == dst and v != src or (v == dst and prev[v] is not None):
            break
        for w in sorted(graph[v]):
            if w in allowed and w not in prev:
                prev[w] = v
                queue.append(w)
    if dst not in prev:
        return []
    p, v = [dst], prev[dst]
    while v is not None:
        p.append(v)
        v = prev[v]
    return p[::-1]


def main():
    if len(sys.argv) != 2 or not os.path.isdir(sys.argv[1]):
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    kern = os.path.normpath(sys.argv[1])
    graph, edges = read_graph(kern)
    bad = 0
    comps = [c for c in circles(graph) if len(c) > 1]
    for c in comps:
        print("include-layers: circle of %d modules: %s" % (len(c), " ".join(c)))
    for c in comps:
        folders = {folder_of(m) for m in c}
        for a, b in FORBIDDEN_CIRCLES:
            if a in folders and b in folders:
                ma = next(m for m in c if folder_of(m) == a)
                mb = next(m for m in c if folder_of(m) == b)
                there, back = path(graph, ma, mb, set(c)), path(graph, mb, ma, set(c))
                print("FAIL include-layers: kern/%s and kern/%s are in one include circle: %s, back: %s"
                      % (a, b, " -> ".join(there), " -> ".join(back)))
                for x, y in zip(there + back[1:], there[1:] + back[1:]):
                    if (x, y) in edges:
                        print("    %s includes %s" % (edges[(x, y)], y))
                bad = 1
    for (a, b), where in sorted(edges.items(), key=lambda e: e[1]):
        for fa, fb in FORBIDDEN_EDGES:
            if folder_of(a) == fa and folder_of(b) == fb:
                print("FAIL include-layers: %s: kern/%s includes kern/%s (%s -> %s)" % (where, fa, fb, a, b))
                bad = 1
    if not bad:
        print("include-layers: %d modules; no circle joins kern/security and kern/ipc; kern/ipc includes "
              "nothing of kern/security" % len(graph))
    return bad


if __name__ == "__main__":
    sys.exit(main())
