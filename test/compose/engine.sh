#!/usr/bin/env bash
# A Docker engine for the compose test: `engine.sh start` uses the engine that answers, or
# starts Debian's dockerd (as root) and records its PID; `engine.sh stop` stops only a
# dockerd this script started, by that PID. `engine.sh available` exits 0 when an engine
# answers or can be started here.
set -euo pipefail
state=${PULSE_ENGINE_STATE:-/run/pulse-test-dockerd}
pidfile=$state/dockerd.pid

answers() { docker info >/dev/null 2>&1; }

case "${1:-}" in
  available)
    answers || { [ "$(id -u)" = 0 ] && command -v dockerd >/dev/null; } ;;
  start)
    if answers; then echo "engine: using the Docker engine that answers"; exit 0; fi
    [ "$(id -u)" = 0 ] || { echo "engine: no Docker engine answers, and starting dockerd needs root" >&2; exit 1; }
    mkdir -p "$state"
    dockerd --pidfile "$pidfile" >"$state/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do answers && { echo "engine: dockerd $(cat "$pidfile") started"; exit 0; }; sleep 1; done
    echo "engine: dockerd did not answer within 60 s; its log:" >&2; tail -20 "$state/dockerd.log" >&2; exit 1 ;;
  stop)
    [ -f "$pidfile" ] || exit 0
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; echo "engine: dockerd $pid stopped"; exit 0; }; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true; rm -f "$pidfile" ;;
  *) echo "usage: engine.sh available|start|stop" >&2; exit 2 ;;
esac
