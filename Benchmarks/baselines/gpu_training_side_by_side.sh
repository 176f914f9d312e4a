#!/usr/bin/env bash
# SwiftMACE, MIT licence.
# Issue 5's training step side by side on one GPU machine, in one run: mace-torch + cuEquivariance
# (`mace_torch_gpu.py --training`: forward with forces, energy + force loss, backward, Adam) and SwiftMACE (`swiftmace
# bench`'s training step: energy + forces, then the loss's parameter gradient on the GPU), issue 5's water model in
# float32 on the 192-atom frame replicated n×n×n.
# Prepare DIR as for gpu_side_by_side.sh (water_gpu_128.{model,safetensors}, water192.xyz, swiftmace.xz, site.tar.xz).
# Run there: bash Benchmarks/baselines/gpu_training_side_by_side.sh DIR [n ...]   (default n = 1 2 3 4)
# Output: stdout; when $OUT is set, $OUT/swiftmace_train_n<n>.json and $OUT/mace_train.json.
set -uo pipefail
dir=$1; shift
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(1 2 3 4)
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/training_side_by_side}; mkdir -p "$out"
source "$here/gpu_prepare.sh"
for n in "${sizes[@]}"; do
    /tmp/sm/swiftmace bench --model "$dir/water_gpu_128.safetensors" --system "$dir/water192.xyz" --replicate "$n" \
        --precision float32 --repeats 10 --warmup 3 --json "$out/swiftmace_train_n$n.json" \
        | grep -E "atoms,|training step|energy \+ forces"
done
python3 "$here/mace_torch_gpu.py" "$dir/water_gpu_128.model" "$dir/water192.xyz" --replicate "${sizes[@]}" \
    --backends cueq --training --repeat 10 --warmup 3 --json "$out/mace_train.json" 2>&1 | grep -E "^mace-torch|rror"
