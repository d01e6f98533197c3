/*
 * bench/linux/exit0.c: the exec target of fork_exec_wait: a static program with no C library
 * whose only instructions are exit(0). The benchmark then measures what the kernel does to
 * create, load, start and reap a process, not glibc's start-up code. Built with -nostdlib.
 */
__attribute__((noreturn)) void _start(void);

__attribute__((noreturn)) void _start(void)
{
    /* exit_group(0): nr 231 on x86-64. */
    __asm__ volatile("syscall" : : "a"(231), "D"(0) : "rcx", "r11", "memory");
    __builtin_unreachable();
}
