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
# -m 256M unless BENCH_MEM says otherwise (the scale images, bench/bastion/scale.sh: 1 GiB).
# BENCH_ACCEL=kvm (scripts/bench --kvm): the same runs on the host's CPU instead, `-accel kvm
#   -cpu host` and no icount: a tick is then a cycle of the host's time-stamp counter (real time,
#   caches and all), and runs are not repeatable to the tick. Check bench_kvm_usable first.
BENCH_QEMU=${BENCH_QEMU:-qemu-system-x86_64}
if [[ ${BENCH_ACCEL:-tcg} == kvm ]]; then
  BENCH_QEMU_ARGS=(-accel kvm -cpu host -smp "${BENCH_SMP:-1}" -m "${BENCH_MEM:-256M}"
                   -display none -monitor none -no-reboot)
else
  BENCH_QEMU_ARGS=(-accel tcg -cpu "${BENCH_CPU:-max}" -icount shift=0,sleep=${BENCH_ICOUNT_SLEEP:-off} -smp "${BENCH_SMP:-1}" -m "${BENCH_MEM:-256M}"
                   -display none -monitor none -no-reboot)
fi

# bench_kvm_usable: succeeds when QEMU can start a machine under KVM here; otherwise prints why
# not (QEMU's own words: no /dev/kvm, no permission, nested virtualisation refused) and fails.
bench_kvm_usable() {
  if [[ ! -e /dev/kvm ]]; then
    echo "/dev/kvm does not exist (no KVM module, or a virtual machine without nested virtualisation)"
    return 1
  fi
  local why
  why=$(echo quit | timeout 30 "$BENCH_QEMU" -accel kvm -machine none -display none -monitor stdio \
        2>&1 >/dev/null) || true
  if [[ -n $why ]]; then
    echo "QEMU cannot use KVM: $(echo "$why" | tr '\n' ' ')"
    return 1
  fi
  return 0
}

# bench_text LOG: a serial log without the CRs of the serial console and without the marker
# Bastion's kernel puts before every line a process prints ("[Bench] BENCH ...",
# kern/console/console.h; Linux logs have none). Kernel lines (PANIC, EXCEPTION) are matched
# on the raw log, where no process can produce them.
bench_text() {
  tr -d '\r' <"$1" | sed -E 's/^\[[^]]*\] //'
}

# bench_lines LOG: the benchmark lines of a serial log.
# bench_row_check LOG NAME WHAT [MEDIAN]: succeeds and prints "ok: <line>" when LOG holds the
# row "BENCH NAME median=<n> min=<n> n=<n>" (its median matching the regex MEDIAN, default any
# number); otherwise says "FAIL: no number for WHAT 'NAME' in LOG" on stderr and fails. The
# short benchmark tests (test/bench/) check each row they are for with it.
bench_row_check() {
  local log=$1 name=$2 what=$3 median=${4:-[0-9]+} line
  if line=$(bench_text "$log" | grep -E "^BENCH $name median=$median min=[0-9]+ n=[0-9]+\$"); then
    echo "ok: $line"
    return 0
  fi
  echo "FAIL: no number for $what '$name' in $log" >&2
  return 1
}

bench_lines() {
  bench_text "$1" | grep -E '^BENCH(-BEGIN|-END|-ERROR)? '
}
