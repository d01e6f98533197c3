# scripts/lib/qemu.sh: QEMU pieces shared by scripts/run, scripts/debug and test/boot/*.sh.
# Sourced, never run. Defines functions only; callers own their own `set -e` and traps.
#
# Invariant every caller keeps: a QEMU it starts is bounded by `timeout` (or by gdb's lifetime
# in scripts/debug) and is ended by its own PID through bastion_qemu_stop from an EXIT trap.
# A QEMU left behind keeps CI's output open and hangs CI until its 90-minute limit.

BASTION_OVMF_CODE=${BASTION_OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.fd}
BASTION_OVMF_VARS=${BASTION_OVMF_VARS:-/usr/share/OVMF/OVMF_VARS_4M.fd}
BASTION_QEMU=${BASTION_QEMU:-qemu-system-x86_64}

# bastion_firmware_args FIRMWARE WORKDIR -> sets the array BASTION_FW_ARGS, and BASTION_FW_VARS
# to the path of the variable-store copy (empty for bios) that the caller deletes when done.
# bios: QEMU's default SeaBIOS, nothing to add. uefi: OVMF's code read-only, and a fresh copy of
# its variable store in WORKDIR, because OVMF writes to that store and the packaged file must
# stay pristine (and two QEMUs must never share one).
bastion_firmware_args() {
  local fw=$1 dir=$2
  BASTION_FW_ARGS=()
  BASTION_FW_VARS=
  case $fw in
    bios) ;;
    uefi)
      if [[ ! -r $BASTION_OVMF_CODE || ! -r $BASTION_OVMF_VARS ]]; then
        echo "qemu: OVMF not found at $BASTION_OVMF_CODE (package ovmf)" >&2
        return 1
      fi
      mkdir -p "$dir"
      local vars
      vars=$(mktemp "$dir/ovmf-vars.XXXXXX.fd")
      cp "$BASTION_OVMF_VARS" "$vars"
      BASTION_FW_VARS=$vars
      BASTION_FW_ARGS=(
        -drive "if=pflash,format=raw,unit=0,readonly=on,file=$BASTION_OVMF_CODE"
        -drive "if=pflash,format=raw,unit=1,file=$vars"
      )
      ;;
    *) echo "qemu: unknown firmware '$fw' (bios or uefi)" >&2; return 1 ;;
  esac
}

# bastion_kvm_device_ok: /dev/kvm exists and this user may open it read-write.
bastion_kvm_device_ok() {
  [[ -c /dev/kvm && -r /dev/kvm && -w /dev/kvm ]]
}

# bastion_accel_args ACCEL -> sets BASTION_ACCEL_ARGS for kvm or tcg.
# TCG gets `-cpu max` so the guest sees NX, SMEP, SMAP, UMIP, RDRAND and 1 GiB pages.
# KVM keeps QEMU's default model: `-cpu host` aborts under this nested KVM (MSR 0x10a).
bastion_accel_args() {
  case $1 in
    kvm) BASTION_ACCEL_ARGS=(-accel kvm) ;;
    tcg) BASTION_ACCEL_ARGS=(-accel tcg -cpu max) ;;
    *) echo "qemu: unknown accelerator '$1' (kvm or tcg)" >&2; return 1 ;;
  esac
}

# bastion_qemu_stop PID: end one QEMU by its PID: SIGTERM, up to 3 s grace, then SIGKILL.
bastion_qemu_stop() {
  local pid=$1 i
  [[ -n $pid ]] || return 0
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true # (it may have gone after TERM: not a failure under set -e)
  wait "$pid" 2>/dev/null || true # a stopped QEMU exits non-zero
  return 0
}

# bastion_free_port: print a TCP port on 127.0.0.1 nobody listens on (random, so tests can run
# in parallel). QEMU may still lose a race for it; callers retry when QEMU fails to bind.
bastion_free_port() {
  local port hex i
  for ((i = 0; i < 100; i++)); do
    port=$((20000 + RANDOM % 40000))
    printf -v hex '%04X' "$port"
    if ! grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6 \
      2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# bastion_wait_port PORT PID SECONDS: wait until something listens on PORT (QEMU's gdb stub)
# while PID is alive. Returns 1 if PID died or time ran out.
bastion_wait_port() {
  local port=$1 pid=$2 secs=$3 hex i
  printf -v hex '%04X' "$port"
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 1
    grep -qE "^ *[0-9]+: [0-9A-F]+:$hex [0-9A-F]+:[0-9A-F]+ 0A " /proc/net/tcp /proc/net/tcp6 \
      2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# bastion_boot_start NAME ISO LOG FIRMWARE ACCEL MACHINE CPUS MEM TIMEOUT_S
# The headless boot every boot test does: QEMU boots ISO from its CD drive with the serial
# console into LOG (QEMU's own output into LOG.qemu.txt), bounded by `timeout`, in the
# background. Sets BASTION_BOOT_PID (the `timeout` wrapper, for `kill -0` liveness checks) and
# BASTION_BOOT_WORKDIR, and installs the EXIT trap (bastion_boot_cleanup) that ends QEMU by its
# own PID and removes the work folder. Returns 1, with the reason in BASTION_BOOT_ERROR, when the
# firmware or the accelerator cannot be set up. Arguments in the array BASTION_BOOT_EXTRA_ARGS,
# if the caller set it, are added to QEMU's command line (devices: -device edu). Call it directly, never in $(...): the
# variables, the trap and QEMU itself must belong to the calling shell.
bastion_boot_start() {
  local name=$1 iso=$2 log=$3 firmware=$4 accel=$5 machine=$6 cpus=$7 mem=$8 timeout_s=$9
  mkdir -p "$(dirname "$log")"
  : >"$log"
  : >"$log.qemu.txt"
  BASTION_BOOT_PID= BASTION_BOOT_ERROR=
  BASTION_BOOT_WORKDIR=$(mktemp -d "$(dirname "$log")/.$name.XXXXXX")
  trap bastion_boot_cleanup EXIT
  trap 'exit 130' INT TERM HUP
  bastion_firmware_args "$firmware" "$BASTION_BOOT_WORKDIR" || { BASTION_BOOT_ERROR="firmware setup"; return 1; }
  bastion_accel_args "$accel" || { BASTION_BOOT_ERROR="accelerator setup"; return 1; }
  timeout -k 5 $((timeout_s + 15)) "$BASTION_QEMU" -machine "$machine" "${BASTION_ACCEL_ARGS[@]}" \
    "${BASTION_FW_ARGS[@]}" -smp "$cpus" -m "$mem" -cdrom "$iso" -boot d \
    -display none -monitor none -serial "file:$log" -no-reboot \
    -pidfile "$BASTION_BOOT_WORKDIR/qemu.pid" ${BASTION_BOOT_EXTRA_ARGS[@]+"${BASTION_BOOT_EXTRA_ARGS[@]}"} </dev/null >"$log.qemu.txt" 2>&1 &
  BASTION_BOOT_PID=$!
}

# bastion_boot_cleanup: the EXIT trap of bastion_boot_start.
bastion_boot_cleanup() {
  local qpid=
  [[ -r $BASTION_BOOT_WORKDIR/qemu.pid ]] && qpid=$(<"$BASTION_BOOT_WORKDIR/qemu.pid")
  [[ -n $qpid ]] && bastion_qemu_stop "$qpid"
  [[ -n $BASTION_BOOT_PID ]] && bastion_qemu_stop "$BASTION_BOOT_PID"
  rm -rf "$BASTION_BOOT_WORKDIR"
}
