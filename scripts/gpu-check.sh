#!/usr/bin/env bash
# SwiftMACE, MIT licence.
# GPU check on the device machine (which has no Swift toolchain): runs the static binaries from device/ (build them
# here first, see below), i.e. `swiftmace selftest --device cuda` (its "MACE model" group reads Tests/Fixtures/mace,
# so run this from a checkout) and the `cuda` benchmark. Builds nothing. The model benchmark is `swiftmace bench`
# (BENCHMARKS.md, "MACE energy + forces on the GPU").
#   swift build -c release -Xswiftc -static-stdlib --product swiftmace
#   swift build -c release -Xswiftc -static-stdlib --product swiftmace-benchmarks
#   mkdir -p device && cp .build/release/swiftmace .build/release/swiftmace-benchmarks device/ && strip device/*
#   xz -T2 device/swiftmace device/swiftmace-benchmarks   # optional: 60 MB each stripped (static Foundation carries
#                                                        # ICU data), 15 MB each compressed; unpacked to /tmp here
# Output goes to stdout and, when $OUT is set, to $OUT/selftest.log and $OUT/benchmark.log. Exit status: the
# selftest's (non-zero on any failure), or the benchmark's when the selftest passed.
set -uo pipefail
cd "$(dirname "$0")/.."
log_dir="${OUT:-/tmp}"
bin=device
if [ ! -x device/swiftmace ] && [ -f device/swiftmace.xz ]; then
    bin=/tmp/swiftmace-bin
    mkdir -p "$bin"
    for name in swiftmace swiftmace-benchmarks; do
        xz -dc "device/$name.xz" > "$bin/$name" && chmod +x "$bin/$name"
    done
fi
for binary in "$bin/swiftmace" "$bin/swiftmace-benchmarks"; do
    [ -x "$binary" ] || { echo "error: $binary missing; build it first (see the header of $0)" >&2; exit 1; }
done
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv 2>&1 || true
export SWIFTMACE_KERNEL_CACHE="${SWIFTMACE_KERNEL_CACHE:-/tmp/swiftmace-kernels}"
"$bin/swiftmace" selftest --device cuda 2>&1 | tee "$log_dir/selftest.log"
selftest_status=${PIPESTATUS[0]}
"$bin/swiftmace-benchmarks" cuda "$@" 2>&1 | tee "$log_dir/benchmark.log"
benchmark_status=${PIPESTATUS[0]}
echo "selftest exit $selftest_status, benchmark exit $benchmark_status"
[ "$selftest_status" -ne 0 ] && exit "$selftest_status"
exit "$benchmark_status"
