# bench/trace/period.py: gdb script (run by bench/trace/run.sh, never by hand) that records
# every instruction of one period of a benchmark loop.
#
# It stops at the kernel function BASTION_TRACE_STOP (an address) for the BASTION_TRACE_SKIP-th
# time, so that the loop is well under way, then single-steps to the next user-mode
# instruction: the period starts there. It ends at the first user-mode instruction in the same
# address space after the stop function has run once more: one period is what lies between two
# calls of it, whatever the loop calls in between (a PC alone would not do: every core call
# returns to user mode at the same instruction). Each instruction is written as
# "<pc> <cpl> <cr3>". QEMU's single step keeps interrupts and timers off (its default), so
# nothing but the loop itself is recorded.
import os

import gdb

stop = int(os.environ['BASTION_TRACE_STOP'], 16)
skip = int(os.environ.get('BASTION_TRACE_SKIP', '400'))
limit = int(os.environ.get('BASTION_TRACE_LIMIT', '200000'))
port = os.environ.get('BASTION_TRACE_PORT', '1234')
out = open(os.environ['BASTION_TRACE_OUT'], 'w')

gdb.execute('set pagination off')
gdb.execute('target remote 127.0.0.1:' + port)
gdb.execute('hbreak *%#x' % stop)
if skip > 1:
    # `continue N` would set the count on the breakpoint the target is stopped at, and at the
    # first instruction it is stopped at none: the count goes on the new breakpoint itself.
    gdb.execute('ignore $bpnum %d' % (skip - 1))
gdb.execute('continue')
gdb.execute('delete')


def reg(name):
    return int(gdb.parse_and_eval('$' + name)) & 0xFFFFFFFFFFFFFFFF


while reg('cs') & 3 != 3:
    gdb.execute('stepi', to_string=True)
start_cr3 = reg('cr3')
steps, again = 0, False
while steps < limit:
    pc, cs, cr3 = reg('pc'), reg('cs'), reg('cr3')
    if cs & 3 == 3 and cr3 == start_cr3 and again:
        break
    again = again or pc == stop
    out.write('%x %d %x\n' % (pc, cs & 3, cr3))
    gdb.execute('stepi', to_string=True)
    steps += 1
out.write('# period %d instructions%s\n' % (steps, ' (limit reached)' if steps >= limit else ''))
out.close()
gdb.execute('kill')
