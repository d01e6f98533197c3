# scripts/gdb/bastion.gdb: attach gdb to QEMU's gdb stub with the kernel's symbols.
#
#   gdb -x scripts/gdb/bastion.gdb        (from the repo root, QEMU started with -S -s)
# scripts/debug does all of that for you. Environment (read when the script runs):
#   BASTION_KERNEL      kernel ELF with symbols   (default build/kernel.elf)
#   BASTION_GDB_TARGET  where QEMU's stub listens (default localhost:1234)
#
# Order matters: the architecture is forced to x86-64 BEFORE connecting. QEMU starts the CPU in
# real mode; left to guess, gdb picks i386 and then rejects the stub's 64-bit register packet
# ("'g' packet reply is too long").
#
# kmain gets a HARDWARE breakpoint: at the first instruction paging is off, so gdb cannot write
# an int3 at kmain's higher-half address (0xffffffff8...), but a debug register matches the
# address whenever it is executed. Once kmain runs, the kernel is mapped and `break` works too.

set confirm off
set pagination off
set print pretty on
set disassembly-flavor intel

python
import os
kernel = os.environ.get("BASTION_KERNEL", "build/kernel.elf")
target = os.environ.get("BASTION_GDB_TARGET", "localhost:1234")
gdb.execute("file " + kernel)
gdb.execute("set architecture i386:x86-64")
gdb.execute("target remote " + target)
end

hbreak kmain
