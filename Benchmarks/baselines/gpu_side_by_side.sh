#!/usr/bin/env bash
# SwiftMACE, MIT licence.
# Issue 5's side-by-side on one GPU machine, in one run: the same random mace-torch model (ScaleShiftMACE
# 128x0e+128x1o, max_ell 3, correlation 3, 2 layers, r_max 6, radial MLP [64,64,64]) evaluated for energy + forces
# in float32 on periodic water boxes of 192·n³ atoms by mace-torch (e3nn backend), mace-torch + cuEquivariance and
# SwiftMACE (`swiftmace bench --precision float32`, and `bf16-linear`), then one ratio table.
#
# Prepare here (the GPU machine has no Swift toolchain and no network):
#   python3 Benchmarks/baselines/make_water_gpu_model.py DIR          # water_gpu_128.{model,safetensors}, water192.xyz
#   swift build -c release -Xswiftc -static-stdlib --product swiftmace && strip + xz -T2 -> DIR/swiftmace.xz
#   wheels of mace-torch 0.3.16, e3nn 0.4.4, cuEquivariance 0.13 (cu13) and their pure-Python dependencies, unzipped
#   into one folder and packed as DIR/site.tar.xz (../shared/docs/GPU.md gives the pip download command)
# Run there: bash Benchmarks/baselines/gpu_side_by_side.sh DIR [n ...]     (default n = 1 2 3 4 5)
# Output: stdout and /tmp/side_by_side/ (one JSON per run); when $OUT is set, $OUT/{swiftmace.json (all SwiftMACE
# runs), mace.json, side_by_side.md}.
set -uo pipefail
dir=$1; shift
sizes=("$@"); [[ ${#sizes[@]} -gt 0 ]] || sizes=(1 2 3 4 5)
here=$(cd "$(dirname "$0")" && pwd)
out=/tmp/side_by_side; mkdir -p "$out"
source "$here/gpu_prepare.sh"

for n in "${sizes[@]}"; do
    /tmp/sm/swiftmace bench --model "$dir/water_gpu_128.safetensors" --system "$dir/water192.xyz" --replicate "$n" \
        --precision float32 --repeats 20 --warmup 3 --json "$out/swiftmace_n$n.json" \
        | grep -E "atoms,|energy \+ forces|peak|replay"
    /tmp/sm/swiftmace bench --model "$dir/water_gpu_128.safetensors" --system "$dir/water192.xyz" --replicate "$n" \
        --precision bf16-linear --repeats 20 --warmup 3 --json "$out/swiftmace_bf16_linear_n$n.json" \
        | grep -E "energy \+ forces"
done
python3 "$here/mace_torch_gpu.py" "$dir/water_gpu_128.model" "$dir/water192.xyz" --replicate "${sizes[@]}" \
    --json "$out/mace.json"
# Energies of the same 192-atom frame, to show both tools evaluate the same model: SwiftMACE on the GPU in float32.
/tmp/sm/swiftmace eval --model "$dir/water_gpu_128.safetensors" --configs "$dir/water192.xyz" --output /tmp/sm/w.xyz \
    --device cuda --dtype float32 > /dev/null && grep -o "MACE_energy=[-0-9.e+]*" /tmp/sm/w.xyz

python3 - "$out" <<'EOF' | tee "$out/side_by_side.md"
import json, os, sys
out = sys.argv[1]
mace = json.load(open(os.path.join(out, "mace.json")))
rows = {}
for r in mace["results"]:
    rows.setdefault(r["replicate"], {})[r["backend"]] = r
print(f"GPU {mace['gpu']}; torch {mace['torch']}, mace {mace['mace']}; float32 energy + forces, medians\n")
print("| atoms | edges | mace e3nn ms | mace cuEq ms | SwiftMACE float32 ms | SwiftMACE bf16-linear ms | cuEq / SwiftMACE | "
      "cuEq peak MiB | SwiftMACE peak MiB |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
def ms(r):
    return "OOM" if r is None or "error" in r else f"{r['median_ms']:.2f}"
for n in sorted(rows):
    swift = json.load(open(os.path.join(out, f"swiftmace_n{n}.json")))
    half = json.load(open(os.path.join(out, f"swiftmace_bf16_linear_n{n}.json")))
    e3nn, cueq = rows[n].get("e3nn"), rows[n].get("cueq")
    ratio = f"{cueq['median_ms'] / swift['end_to_end_median_ms']:.2f}x" if cueq and "error" not in cueq else "—"
    peak = f"{cueq['peak_MiB']:.0f}" if cueq and "error" not in cueq else "—"
    print(f"| {swift['atoms']} | {swift['edges']} | {ms(e3nn)} | {ms(cueq)} | {swift['end_to_end_median_ms']:.2f} | "
          f"{half['end_to_end_median_ms']:.2f} | {ratio} | {peak} | {swift['peak_device_bytes'] / 2**20:.0f} |")
for r in mace["results"]:
    if r["replicate"] == 1 and "energy_eV" in r:
        print(f"\nmace-torch {r['backend']} energy of the 192-atom frame: {r['energy_eV']:.6f} eV")
EOF
if [[ -n ${OUT:-} ]]; then
    python3 -c "import glob, json, sys; json.dump({p.split('/')[-1]: json.load(open(p)) for p in sorted(glob.glob('$out/swiftmace_*.json'))}, open('$OUT/swiftmace.json', 'w'), indent=1)"
    cp "$out/mace.json" "$out/side_by_side.md" "$OUT/"
fi
