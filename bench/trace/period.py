# bench/trace/period.py: gdb script (run by bench/trace/run.sh, never by hand) that records
# every instruction of one period of a benchmark loop.
#
# It stops at the kernel function BASTION_TRACE_STOP (an address) for the BASTION_TRACE_SKIP-th
# time, so that the loop is well under way, then single-steps to the next user-mode
# instruction: that PC is the period's start. From there it steps one instruction at a time and
# writes "<pc> <cpl> <cr3>" per instruction until the CPU is back at the start PC in the same
# address space. QEMU's single step keeps interrupts and timers off (its default), so nothing
# but the loop itself is recorded.
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
gdb.execute('continue %d' % skip)  # an ignore count: the skip-th hit stops
gdb.execute('delete')


def reg(name):
    return int(gdb.parse_and_eval('$' + name)) & 0xFFFFFFFFFFFFFFFF


while reg('cs') & 3 != 3:
    gdb.execute('stepi', to_string=True)
start, start_cr3 = reg('pc'), reg('cr3')
steps = 0
while steps < limit:
    out.write('%x %d %x\n' % (reg('pc'), reg('cs') & 3, reg('cr3')))
    gdb.execute('stepi', to_string=True)
    steps += 1
    if reg('pc') == start and reg('cr3') == start_cr3:
        break
out.write('# period %d instructions%s\n' % (steps, ' (limit reached)' if steps >= limit else ''))
out.close()
gdb.execute('kill')
