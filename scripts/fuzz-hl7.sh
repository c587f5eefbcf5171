#!/usr/bin/env bash
# Fuzzes the HL7 library with libFuzzer for SECONDS (default 600): the parser, the serializer (a message written
# back parses to itself), acknowledgements and MLLP framing (any split of the bytes gives the same frames). The
# corpus starts from Tests/Fixtures/hl7 (one file per message); inputs that crash are written to
# .build/fuzz/crashes/ — add each to Tests/Fixtures/hl7/hostile/ once fixed, where HL7HostileTests reads them.
#   bash scripts/fuzz-hl7.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
work=.build/fuzz
mkdir -p "$work/corpus" "$work/crashes"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name HL7Fuzz \
    Sources/HL7/*.swift scripts/fuzz/hl7-fuzz-target.swift -o "$work/hl7-fuzz"
python3 - "$work/corpus" <<'PY'
import os, sys, glob
out = sys.argv[1]
n = 0
for path in ["Tests/Fixtures/hl7/corpus.hl7"]:
    data = open(path, "rb").read()
    for block in data.split(b"\nMSH"):
        block = block if block.startswith(b"MSH") else b"MSH" + block
        open(os.path.join(out, "seed-%04d" % n), "wb").write(block)
        n += 1
for path in glob.glob("Tests/Fixtures/hl7/hostile/*"):
    open(os.path.join(out, "hostile-" + os.path.basename(path)), "wb").write(open(path, "rb").read())
print("corpus: %d seeds" % n)
PY
"$work/hl7-fuzz" "$work/corpus" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=4096 \
    -artifact_prefix="$work/crashes/" -print_final_stats=1
