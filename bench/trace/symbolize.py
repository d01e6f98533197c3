#!/usr/bin/env python3
"""bench/trace/symbolize.py: names the instructions of a period recorded by period.py.

Usage: symbolize.py TRACE KERNEL_ELF USER_ELF... [--runs | --annotate=FUNCTION]

Kernel PCs are named from KERNEL_ELF. A user PC is named from the user ELF its address space
runs: programs are loaded at a random page-aligned bias, so each address space's ELF and bias
are found from its first instruction after a return from the kernel, which follows a `syscall`
instruction of that program; the candidate is kept only if every PC of that address space then
falls in the ELF's code. Prints the instructions per function, heaviest first, with a total per
part ("kernel", each program); --runs prints the functions in the order they ran instead;
--annotate=FUNCTION prints the disassembly of FUNCTION (of any of the ELFs) with how many times
each of its instructions ran in the period, where the instructions of a function went.
"""
import bisect
import collections
import re
import subprocess
import sys


def symbols(elf):
    out = subprocess.run(['nm', '-n', elf], capture_output=True, text=True, check=True).stdout
    syms = [(int(a, 16), n) for a, t, n in (l.split() for l in out.splitlines() if len(l.split()) == 3)
            if t in 'tTwW']
    return [a for a, _ in syms], [n for _, n in syms]


def code_ranges(elf):
    out = subprocess.run(['readelf', '-lW', elf], capture_output=True, text=True, check=True).stdout
    ranges = []
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == 'LOAD' and 'E' in f[6:-1]:
            ranges.append((int(f[2], 16), int(f[2], 16) + int(f[5], 16)))
    return ranges


def after_syscalls(elf):
    out = subprocess.run(['objdump', '-d', '--no-show-raw-insn', elf], capture_output=True,
                         text=True, check=True).stdout
    addrs, prev_syscall = [], False
    for line in out.splitlines():
        m = re.match(r'\s*([0-9a-f]+):\s+(\S+)', line)
        if not m:
            continue
        if prev_syscall:
            addrs.append(int(m.group(1), 16))
        prev_syscall = m.group(2) == 'syscall'
    return addrs


def name_of(table, addr):
    addrs, names = table
    i = bisect.bisect_right(addrs, addr) - 1
    return names[i] if i >= 0 else '?'


def print_annotated(function, rows, kernel, spaces, users):
    """FUNCTION's instructions with their counts: ELF addresses (user PCs less their bias)."""
    for elf in [kernel] + users:
        prog = 'kernel' if elf == kernel else elf.rsplit('/', 1)[-1]
        counts = collections.Counter()
        for pc, cpl, cr3 in rows:
            if cpl == 0 and elf == kernel:
                counts[pc] += 1
            elif cpl == 3 and cr3 in spaces and spaces[cr3][0] == prog and elf != kernel:
                counts[pc - spaces[cr3][2]] += 1
        out = subprocess.run(['objdump', '-d', '--no-show-raw-insn', '--disassemble=' + function,
                              elf], capture_output=True, text=True, check=True).stdout
        lines = [l for l in out.splitlines() if re.match(r'\s*[0-9a-f]+:\s', l)]
        if not lines:
            continue
        total = 0
        for line in lines:
            n = counts[int(line.split(':')[0], 16)]
            total += n
            print('%6s  %s' % (n if n else '', line.strip()))
        print('%6d  instructions of %s: %s in the period' % (total, prog, function))
        return
    sys.exit('symbolize.py: no function %s in the ELFs' % function)


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    runs = '--runs' in sys.argv
    annotate = next((a.split('=', 1)[1] for a in sys.argv[1:] if a.startswith('--annotate=')), None)
    if len(args) < 2:
        sys.exit(__doc__)
    trace, kernel, users = args[0], args[1], args[2:]
    rows = []
    for line in open(trace):
        if not line.startswith('#'):
            pc, cpl, cr3 = line.split()
            rows.append((int(pc, 16), int(cpl), cr3))
    ktab = symbols(kernel)
    elfs = {u: (symbols(u), code_ranges(u), after_syscalls(u)) for u in users}
    spaces = {}  # cr3 -> (program name, symbol table, bias)
    for i, (pc, cpl, cr3) in enumerate(rows):
        # The period starts right after a return to user mode (period.py), so row 0 counts as one.
        if cpl != 3 or cr3 in spaces or (i > 0 and rows[i - 1][1] != 0):
            continue
        user_pcs = {p for p, c, s in rows if c == 3 and s == cr3}
        for u, (tab, ranges, rets) in elfs.items():
            for ret in rets:
                bias = pc - ret
                if bias % 4096 == 0 and all(any(lo <= p - bias < hi for lo, hi in ranges)
                                            for p in user_pcs):
                    spaces[cr3] = (u.rsplit('/', 1)[-1], tab, bias)
                    break
            if cr3 in spaces:
                break
    if annotate:
        print_annotated(annotate, rows, kernel, spaces, users)
        return
    seq = []
    for pc, cpl, cr3 in rows:
        if cpl == 0:
            seq.append(('kernel', name_of(ktab, pc)))
        elif cr3 in spaces:
            prog, tab, bias = spaces[cr3]
            seq.append((prog, name_of(tab, pc - bias)))
        else:
            seq.append(('user cr3=' + cr3, '?'))
    if runs:
        last, n = None, 0
        for s in seq + [None]:
            if s != last and last is not None:
                print('%6d  %s: %s' % (n, last[0], last[1]))
                n = 0
            last = s
            n += 1
        return
    parts = collections.Counter(p for p, _ in seq)
    print('%6d  instructions in the period' % len(seq))
    for part, n in parts.most_common():
        print('%6d  %s' % (n, part))
    print()
    for (part, fn), n in collections.Counter(seq).most_common():
        print('%6d  %s: %s' % (n, part, fn))


if __name__ == '__main__':
    main()
