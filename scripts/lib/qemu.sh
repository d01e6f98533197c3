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
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 30; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
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
