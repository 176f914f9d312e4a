#!/usr/bin/env bash
# SwiftMACE, MIT licence.
# Generated-kernel check on the device machine (no Swift toolchain there): unpacks the static binaries built here
# (`swift build -c release -Xswiftc -static-stdlib --product swiftmace` and `--product swiftmace-benchmarks`,
# stripped, `xz`) from the folder this script sits in, then runs `swiftmace selftest --device cuda` (which ends with
# the "equivariant kernels" group) and `swiftmace-benchmarks cuda-kernels [atoms…]`. Logs go to $OUT when set.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
log_dir="${OUT:-/tmp}"
bin=/tmp/swiftmace-bin
mkdir -p "$bin"
for name in swiftmace swiftmace-benchmarks; do
    xz -dc "$here/$name.xz" > "$bin/$name" && chmod +x "$bin/$name" || { echo "error: $here/$name.xz missing" >&2; exit 1; }
done
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv 2>&1 || true
export SWIFTMACE_KERNEL_CACHE=/tmp/swiftmace-kernels
"$bin/swiftmace" selftest --device cuda 2>&1 | tee "$log_dir/selftest.log"
selftest_status=${PIPESTATUS[0]}
"$bin/swiftmace-benchmarks" cuda-kernels "$@" 2>&1 | tee "$log_dir/cuda-kernels.log"
benchmark_status=${PIPESTATUS[0]}
echo "selftest exit $selftest_status, benchmark exit $benchmark_status"
[ "$selftest_status" -ne 0 ] && exit "$selftest_status"
exit "$benchmark_status"
