# scripts/lib/bootlog.sh: read a Bastion serial log and decide whether the boot succeeded.
# Sourced, never run. Shared by the boot tests (test/boot/) and scripts/run's KVM probe, so
# that "booted" means the same thing everywhere.
#
# A boot with N CPUs passes when the log has the kernel's lines (at a line's start, so that no
# process's marked output counts)
#   - the BSP's ready line, exactly "Bastion ready: N CPUs online", and
#   - "cpu i online" for every i in 0..N-1,
# and no line that starts with "PANIC" or "EXCEPTION" (those fail it at once, whatever else
# the log holds). Carriage returns and terminal escape sequences (GRUB paints the serial
# console with them) are removed before matching, so "starts with" means the kernel's text.

# Process output: the kernel starts every line a process writes (HAL.DebugWrite, user printf)
# with "[<task>] " and never starts one of its own lines with '[' (kern/console/console.h). A
# pattern for a kernel line is anchored at the line start ("^kss: denied"), so no process can
# satisfy it; a pattern for a process's line starts with BASTION_USER_LINE (any task) or
# "^\[Task\] " (that task).
BASTION_USER_LINE='^\[[^]]*\] '
BASTION_EINIT_LINE='^\[Einit\] einit:'

# bastion_log_text LOG: the log as plain lines.
bastion_log_text() {
  sed -e 's/\x1b\[[0-9;:?=]*[A-Za-z]//g' -e 's/\x1b[()][A-Za-z0-9]//g' -e 's/\r//g' "$1" 2>/dev/null
}

# bastion_classify_log LOG NCPUS -> sets BASTION_VERDICT to pass, fail or pending, and
# BASTION_REASON to one line a person can act on. "pending" means: nothing wrong yet, not done.
bastion_classify_log() {
  local log=$1 ncpus=$2 text bad ready i missing=()
  text=$(bastion_log_text "$log")

  bad=$(grep -m1 -E '^(PANIC|EXCEPTION)' <<<"$text")
  if [[ -n $bad ]]; then
    BASTION_VERDICT=fail
    BASTION_REASON="kernel reported: $bad"
    return 0
  fi

  for ((i = 0; i < ncpus; i++)); do
    grep -qE "^cpu $i online([^[:alnum:]_]|$)" <<<"$text" || missing+=("cpu $i")
  done

  ready=$(grep -m1 -oE '^Bastion ready: [0-9]+ CPUs online' <<<"$text")
  if [[ -n $ready && $ready != "Bastion ready: $ncpus CPUs online" ]]; then
    BASTION_VERDICT=fail
    BASTION_REASON="expected 'Bastion ready: $ncpus CPUs online', got '$ready'"
    return 0
  fi
  if [[ -n $ready && ${#missing[@]} -eq 0 ]]; then
    BASTION_VERDICT=pass
    BASTION_REASON="$ready, cpu 0..$((ncpus - 1)) online"
    return 0
  fi

  BASTION_VERDICT=pending
  if [[ -z $ready ]]; then
    BASTION_REASON="no 'Bastion ready: $ncpus CPUs online' line"
  else
    BASTION_REASON="ready line seen"
  fi
  if ((${#missing[@]})); then
    local IFS=,
    BASTION_REASON+="; no 'online' line for: ${missing[*]}"
  fi
  return 0
}
