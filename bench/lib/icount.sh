# bench/lib/icount.sh: the QEMU settings every benchmark run uses, Linux's and Bastion's alike.
# Sourced, never run. Both sides must be measured under exactly these, or their ticks are not
# comparable.
#
# -icount shift=0: virtual time advances 1 ns per executed guest instruction, and the guest's
#   TSC follows virtual time, so one rdtsc tick = one instruction (a path length, repeatable to
#   the tick whatever the host does; caches, TLBs and pipelines are not modelled).
# sleep=off: when the guest idles (hlt), virtual time jumps straight to the next timer deadline
#   instead of following the host's clock, so idle periods (boot) are repeatable too.
#   BENCH_ICOUNT_SLEEP=on (bench/net/run.sh: a guest waiting for the host's packets) lets
#   virtual time follow the host's clock while halted; instructions still count one tick each.
# -cpu max: the model the Bastion tests use under TCG (NX, SMEP, SMAP, UMIP, ...); Linux then
#   runs with the same protections switched on, which costs it instructions as well.
# -smp 1: both ends of every round trip share one CPU (the benchmark pins itself there too).
BENCH_QEMU=${BENCH_QEMU:-qemu-system-x86_64}
BENCH_QEMU_ARGS=(-accel tcg -cpu "${BENCH_CPU:-max}" -icount shift=0,sleep=${BENCH_ICOUNT_SLEEP:-off} -smp "${BENCH_SMP:-1}" -m 256M
                 -display none -monitor none -no-reboot)

# bench_text LOG: a serial log without the CRs of the serial console and without the marker
# Bastion's kernel puts before every line a process prints ("[Bench] BENCH ...",
# kern/console/console.h; Linux logs have none). Kernel lines (PANIC, EXCEPTION) are matched
# on the raw log, where no process can produce them.
bench_text() {
  tr -d '\r' <"$1" | sed -E 's/^\[[^]]*\] //'
}

# bench_lines LOG: the benchmark lines of a serial log.
bench_lines() {
  bench_text "$1" | grep -E '^BENCH(-BEGIN|-END|-ERROR)? '
}
