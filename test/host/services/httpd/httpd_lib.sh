# Shared by the host tests of the status server: start httpd-host on 127.0.0.1 at a random free
# port (a few tries: another program may take the port first) and stop it by its PID on exit.
# Sets HTTPD_PID, HTTPD_PORT, HTTPD_LOG.
httpd_start() {
  local bin=$1 try
  HTTPD_LOG=$(mktemp)
  for try in 1 2 3 4 5; do
    HTTPD_PORT=$((20000 + RANDOM % 40000))
    "$bin" --address 127.0.0.1 --port "$HTTPD_PORT" >"$HTTPD_LOG" 2>&1 &
    HTTPD_PID=$!
    for _ in $(seq 50); do
      grep -q "serving the status page on port $HTTPD_PORT" "$HTTPD_LOG" && return 0
      kill -0 "$HTTPD_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$HTTPD_PID" 2>/dev/null; wait "$HTTPD_PID" 2>/dev/null
  done
  echo "httpd-host did not start:"; cat "$HTTPD_LOG"
  return 1
}
httpd_stop() {
  [[ -n ${HTTPD_PID:-} ]] && { kill "$HTTPD_PID" 2>/dev/null; wait "$HTTPD_PID" 2>/dev/null; }
  [[ -n ${HTTPD_LOG:-} ]] && rm -f "$HTTPD_LOG"
  return 0
}
