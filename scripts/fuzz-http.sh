#!/usr/bin/env bash
# Fuzzes the demo server's HTTP parser with Jazzer (coverage-guided, libFuzzer's engine)
# against the request-smuggling invariants of HttpParserJazzTest. Not part of `mvn test`,
# which only replays the committed corpus.
#   scripts/fuzz-http.sh                 10.5 million inputs or 5 hours, whichever comes
#                                        first (HttpParserJazzTest's @FuzzTest); inputs up to
#                                        9 KiB, 300-450 a second here, so a run ends at the
#                                        5 hours after 5 to 8 million. Stop it rather than
#                                        pause it: a SIGSTOP counts against libFuzzer's
#                                        per-input timeout and ends the run
# The corpus grows in .cifuzz-corpus/ (git-ignored); a finding is written under
# src/test/resources/dev/panio/demo/HttpParserJazzTestInputs/ and then fails `mvn test`
# until fixed. Copy interesting corpus entries there too, to keep them as regressions.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p target
JAZZER_FUZZ=1 mvn -B test -Dtest=HttpParserJazzTest -Dsurefire.failIfNoSpecifiedTests=false 2>&1 | tee target/fuzz-http.log | grep -E '^#[0-9]+.*(DONE|pulse)|^Done |Tests run:|ERROR|FAIL' || true
grep -E '^Done [0-9]+ runs' target/fuzz-http.log | tail -1
