#!/usr/bin/env python3
"""Writes the benchmark policy with `extra` more rules, for the guest's policy-size rows.

The rules govern synthetic classes (bench.R<n>, no endpoints, written to a type description of
their own) and, like psl_bench's on the host, each its own (class, kl.core endpoint, method)
cell, as in a least-privilege policy: the compiled table grows with them while no process of
those classes ever runs, so what changes for the timed calls is only the table they are decided
from.

Usage: gen_rules_policy.py <kl-core.typedesc.json> <bench.psl> <extra> <out.psl> <out.typedesc.json>
"""
import json
import sys


def main():
    core_td, base_psl, extra, out_psl, out_td = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
    with open(core_td) as f:
        td = json.load(f)
    methods = {i["name"]: [m["name"] for m in i["methods"]] for i in td["interfaces"]}
    core = next(c for c in td["classes"] if c["name"] == "kl.core.Core")
    cells = [(ep["name"], m) for ep in core["endpoints"] for m in methods[ep["interface"]]]
    nclasses = (extra + len(cells) - 1) // len(cells)
    rules = []
    for n in range(extra):
        ep, m = cells[n % len(cells)]
        rules.append(f"request src=bench.R{n // len(cells)} dst=kl.core.Core endpoint={ep} method={m} {{ grant () }}")
    with open(base_psl) as f:
        text = f.read()
    anchor = "use EDL bench.Idle\n"
    if anchor not in text:
        sys.exit(f"gen_rules_policy: '{anchor.strip()}' not in {base_psl}")
    uses = "".join(f"use EDL bench.R{c}\n" for c in range(nclasses))
    text = text.replace(anchor, anchor + uses, 1)
    text += f"\n/* ---- {extra} generated rules (gen_rules_policy.py) ---- */\n" + "\n".join(rules) + "\n"
    with open(out_psl, "w") as f:
        f.write(text)
    classes = [{"name": f"bench.R{c}", "endpoints": []} for c in range(nclasses)]
    with open(out_td, "w") as f:
        json.dump({"format": "bastion-typedesc", "classes": classes}, f)


if __name__ == "__main__":
    main()
