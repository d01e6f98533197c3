# scripts/gdb/bastion.gdb: attach gdb to QEMU's gdb stub with the kernel's symbols.
#
#   gdb -x scripts/gdb/bastion.gdb        (from the repo root, QEMU started with -S -s)
# scripts/debug does all of that for you. Environment (read when the script runs):
#   BASTION_KERNEL      kernel ELF with symbols   (default build/kernel.elf)
#   BASTION_GDB_TARGET  where QEMU's stub listens (default localhost:1234)
#   BASTION_GDB_DIR     this folder (default scripts/gdb), for bastion_process.py
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

# A frame filter that ends `bt` at the first frame (after #0) that has no symbol. The boot code
# that calls kmain (long_mode_high) has no unwind information, so gdb guesses its caller from
# whatever lies above the boot stack (the boot page tables) and prints frames like
# "0x0000000000215023 in ?? ()". Every PC in the kernel has a symbol, so an unsymbolized caller
# means the unwinder walked off the stack; frame #0 is always shown.
python
import itertools

class BastionBacktraceEnd:
    def __init__(self):
        self.name = "bastion-backtrace-end"
        self.priority = 100
        self.enabled = True
        gdb.frame_filters[self.name] = self

    def filter(self, frames):
        return self._cut(frames)

    @staticmethod
    def _cut(frames):
        for i, frame in enumerate(frames):
            if i > 0 and frame.inferior_frame().name() is None:
                return
            yield frame

BastionBacktraceEnd()
end

python
import os
kernel = os.environ.get("BASTION_KERNEL", "build/kernel.elf")
target = os.environ.get("BASTION_GDB_TARGET", "localhost:1234")
gdb.execute("file " + kernel)
gdb.execute("set architecture i386:x86-64")
gdb.execute("target remote " + target)
end

hbreak kmain

# `bastion-process NAME ELF`: stop at main of a user process (bastion_process.py, found in
# BASTION_GDB_DIR, default scripts/gdb: run from the repo root as for the kernel's ELF).
python
import os
gdb.execute("source " + os.path.join(os.environ.get("BASTION_GDB_DIR", "scripts/gdb"),
                                     "bastion_process.py"))
end
