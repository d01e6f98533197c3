# scripts/gdb/bastion_process.py: gdb's `bastion-process` command (sourced by bastion.gdb).
#
#   bastion-process NAME ELF
#
# Runs the guest until the kernel starts the process named NAME (its task name from init.yaml,
# as "einit: started NAME" prints it), loads ELF's symbols at the load offset ASLR gave that
# process, and stops at the first instruction of its `main`, where `bt`, `list`, `break`,
# `next` work on the program's source.
#
# How: a breakpoint on the kernel's process_start(struct process *p), whose first instruction
# still has p in %rdi; the process's image_base is set by then (by the kernel's loader, or by
# Einit's Task.SetEntry). The break on main must be a HARDWARE one: at process_start the CPU
# runs in the starter's address space, where writing an int3 at the program's address would
# patch the starter's memory, not the program's. A debug register matches the virtual address
# in whichever address space runs it; ASLR gives every process its own base, so another
# process running the same executable does not hit it.
import gdb


class BastionProcess(gdb.Command):
    """bastion-process NAME ELF: stop at main of the process named NAME, with ELF's symbols."""

    def __init__(self):
        super().__init__("bastion-process", gdb.COMMAND_RUNNING)

    def invoke(self, arg, from_tty):
        args = gdb.string_to_argv(arg)
        if len(args) != 2:
            raise gdb.GdbError("usage: bastion-process NAME ELF")
        name, elf = args
        entry = int(gdb.parse_and_eval("(unsigned long)&process_start"))
        start = gdb.Breakpoint("*%#x" % entry, internal=True)
        try:
            while True:
                gdb.execute("continue", to_string=True)
                if gdb.selected_frame().pc() != entry:
                    raise gdb.GdbError("bastion-process: the guest stopped elsewhere before "
                                       "%s started" % name)
                p = gdb.parse_and_eval("(struct process *)$rdi").dereference()
                if p["name"].string() == name:
                    break
        finally:
            if start.is_valid():
                start.delete()
        base = int(p["image_base"])
        pid = int(p["pid"])
        gdb.execute("add-symbol-file %s -o %#x" % (elf, base), to_string=True)
        main = gdb.lookup_objfile(elf).lookup_global_symbol("main")
        if main is None:
            raise gdb.GdbError("bastion-process: %s has no symbol main" % elf)
        addr = int(main.value().address)
        gdb.write("bastion-process: %s is pid %d, loaded at offset %#x; main at %#x\n" %
                  (name, pid, base, addr))
        gdb.execute("thbreak *%#x" % addr)
        gdb.execute("continue")


BastionProcess()
