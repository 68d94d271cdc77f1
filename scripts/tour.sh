#!/usr/bin/env bash
# Builds panio if needed and runs a tour of the Linux I/O models on real fds.
# Usage: scripts/tour.sh [number of idle fds for the multiplexing step]
exec "$(dirname "$0")/run-main.sh" dev.panio.demo.IoModelsTour "$@"
