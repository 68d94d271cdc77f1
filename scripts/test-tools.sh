#!/usr/bin/env bash
# Makes sure the HTTP clients the tests drive are installed, from Debian's packages:
#   scripts/test-tools.sh curl ab h2load chromium python3
# Installs only what is missing (apt-get update first; needs root). Exits 0 when every
# named tool is there, else 1 with the names of those that are not (the tests then skip).
set -uo pipefail
declare -A pkg=([curl]=curl [ab]=apache2-utils [h2load]=nghttp2-client [chromium]=chromium [python3]=python3)
missing=()
for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  packages=()
  for tool in "${missing[@]}"; do packages+=("${pkg[$tool]:-$tool}"); done
  timeout 600 apt-get update -qq >/dev/null 2>&1
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null 2>&1
fi
still=()
for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || still+=("$tool"); done
if [ ${#still[@]} -gt 0 ]; then
  echo "not installed (and could not be): ${still[*]}"
  exit 1
fi
