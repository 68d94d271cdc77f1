#!/usr/bin/env bash
# Builds panio if needed and starts the demo reactor server (HTTP on 127.0.0.1:8080 by
# default; --help lists the options). Ctrl-C stops it gracefully.
exec "$(dirname "$0")/run-main.sh" dev.panio.demo.DemoServer "$@"
