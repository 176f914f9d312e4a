#!/usr/bin/env bash
# SwiftMACE, MIT licence.
# GPU training against CPU training on one GPU machine: the README's example (examples/ethanol_small.yaml) trained by
# `swiftmace train --device cuda` and `--device cpu`, in float64 and float32, and the per-epoch results logs compared
# field by field (the largest relative difference), then both runs' final error tables.
# Run from a checkout (the example reads data/rmd17): bash Benchmarks/baselines/gpu_training_vs_cpu.sh SWIFTMACE [EPOCHS]
set -uo pipefail
swiftmace=$1; epochs=${2:-10}
cd "$(dirname "$0")/../.."
log=${OUT:-/tmp}
for dtype in float64 float32; do
    for device in cuda cpu; do
        start=$(date +%s)
        "$swiftmace" train --config examples/ethanol_small.yaml --device $device --default_dtype $dtype \
            --name ${device}_$dtype --work_dir /tmp/train_${device}_$dtype --max_num_epochs "$epochs" \
            > "$log/train_${device}_$dtype.log" 2>&1
        echo "train $device $dtype: exit $? in $(( $(date +%s) - start )) s"
    done
    python3 - "$dtype" <<'PY'
import glob, json, sys
dtype = sys.argv[1]
def lines(device):
    files = glob.glob(f"/tmp/train_{device}_{dtype}/results/*_train.txt")
    return [json.loads(line) for line in open(files[0])] if files else []
gpu, cpu = lines("cuda"), lines("cpu")
worst = (0.0, "")
for a, b in zip(gpu, cpu):
    for key, value in b.items():
        if isinstance(value, (int, float)) and isinstance(a.get(key), (int, float)):
            relative = abs(a[key] - value) / max(abs(value), 1e-300)
            if relative > worst[0]:
                worst = (relative, f"epoch {b.get('epoch')} {key}: gpu {a[key]!r} cpu {value!r}")
print(f"{dtype}: {len(gpu)} / {len(cpu)} log lines; largest relative difference {worst[0]:.3e} ({worst[1]})")
PY
    tail -6 "$log/train_cuda_$dtype.log"; tail -6 "$log/train_cpu_$dtype.log"
done
