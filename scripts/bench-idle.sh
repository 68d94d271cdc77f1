#!/usr/bin/env bash
# The seeds' claim measured: cost of one wait+read round for select, poll and epoll with
# 10 .. 10,000 idle fds and one active. Writes results/idle-scaling.csv, .txt and .png.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true install
mvn -B -q -f src/jmh/pom.xml package
java=$("$root/scripts/java.sh")
mkdir -p results
jar=src/jmh/target/benchmarks.jar
run() { "$java" --enable-native-access=ALL-UNNAMED -jar "$jar" "$@" ; }
run 'IdleScalingBench.(poll|epoll)Round' -rf csv -rff results/idle-pe.csv > /dev/null
run 'IdleScalingBench.selectRound' -p idle=10,100,1000 -rf csv -rff results/idle-s.csv > /dev/null
{ cat results/idle-pe.csv; tail -n +2 results/idle-s.csv; } > results/idle-scaling.csv
rm results/idle-pe.csv results/idle-s.csv
"$java" -Djava.awt.headless=true -cp "$jar" dev.panio.bench.Plot results/idle-scaling.csv results/idle-scaling.png
awk -F, 'NR>1 { gsub(/["\r]/,""); split($1,a,"."); m=a[length(a)]; sub(/Round/,"",m); printf "%s %s %.0f\n", m, $NF, $5 }' results/idle-scaling.csv \
  | sort -k1,1 -k2,2n | tee results/idle-scaling.txt
