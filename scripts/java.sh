#!/usr/bin/env bash
# Prints the path of a java (22 or newer): $JAVA_HOME's if new enough, else the newest
# JDK under /usr/lib/jvm. Sourced by the other scripts.
set -euo pipefail
version_of() { "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p'; }
candidates=()
[[ -n ${JAVA_HOME:-} ]] && candidates+=("$JAVA_HOME/bin/java")
for d in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -Vr); do candidates+=("${d%/}/bin/java"); done
candidates+=("$(command -v java || true)")
for j in "${candidates[@]}"; do
  [[ -x $j ]] || continue
  v=$(version_of "$j")
  if [[ ${v%%.*} =~ ^[0-9]+$ ]] && (( ${v%%.*} >= 22 )); then echo "$j"; exit 0; fi
done
echo "no JDK 22 or newer found (set JAVA_HOME)" >&2
exit 1
