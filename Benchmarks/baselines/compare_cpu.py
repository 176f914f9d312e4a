#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# Side-by-side CPU benchmark: mace-torch (Benchmarks/baselines/mace_torch_cpu.py) and SwiftMACE
# (`swiftmace-benchmarks mace`) on the same exported model files and structures, same 2 cores; one table.
"""Usage: python3 Benchmarks/baselines/compare_cpu.py [--out DIR] [--repeat 10] [--warmup 3] [--cores 0,1]
                                                     [--skip-mace] [--skip-build] [--target-cpu haswell]

1. runs mace_torch_cpu.py (builds the 128-channel benchmark model, exports it in float64 and float32, writes
   water192.xyz and aspirin21.xyz under DIR, times model(batch, compute_force=True) on 2 threads), JSON into
   DIR/mace_torch.json (--skip-mace reuses that file);
2. builds `swiftmace-benchmarks` in release for this CPU (`-target-cpu` TARGET and `-D SWIFTMACE_FMA`: the
   matmul micro-kernel's 256-bit vectors and fused multiply-add; scratch path .build/native);
3. times `swiftmace-benchmarks mace --model-file DIR/benchmark_128_f{64,32}.safetensors --structure-file
   DIR/<structure>.xyz` (neighbour list + forward + forces), JSON into DIR/swiftmace_<structure>_<dtype>.json;
4. prints: structure, dtype, mace-torch median ms (model call, graph prepared), SwiftMACE median ms (whole
   evaluation incl. neighbour list), speed-up, max |ΔE| (eV, and relative) and max |ΔF| (eV/Å) between the two,
   each side's |E − E(mace float64)| (float32 rows: whose float32 energy is closer), the load average before/after.
Both run pinned to the same cores (taskset --cpu-list CORES).
"""

import argparse
import json
import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
STRUCTURES = ("water192", "aspirin21")
DTYPES = ("float64", "float32")


def run(command, **kwargs):
    print("+ " + " ".join(command), file=sys.stderr, flush=True)
    return subprocess.run(command, check=True, cwd=REPO, **kwargs)


def max_difference(a, b):
    return max(abs(x - y) for row_a, row_b in zip(a, b) for x, y in zip(row_a, row_b))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(REPO, ".build", "benchmark_baseline"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cores", default="0,1")
    parser.add_argument("--target-cpu", default="haswell",
                        help="LLVM CPU for the SwiftMACE build; must have AVX2 + FMA (the build sets SWIFTMACE_FMA)")
    parser.add_argument("--skip-mace", action="store_true", help="reuse DIR/mace_torch.json and the model files")
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    pin = ["taskset", "--cpu-list", args.cores]
    threads = len(args.cores.split(","))
    load_before = os.getloadavg()

    mace_json = os.path.join(args.out, "mace_torch.json")
    if not args.skip_mace:
        run(pin + [sys.executable, "Benchmarks/baselines/mace_torch_cpu.py", "--out", args.out,
                   "--threads", str(threads), "--warmup", str(args.warmup), "--repeat", str(args.repeat),
                   "--json", mace_json], stdout=subprocess.DEVNULL)
    with open(mace_json) as f:
        mace = {(r["structure"], r["dtype"]): r for r in json.load(f)["results"]}

    scratch = os.path.join(REPO, ".build", "native")
    if not args.skip_build:
        run(["swift", "build", "-c", "release", "--product", "swiftmace-benchmarks", "--scratch-path", scratch,
             "-Xswiftc", "-target-cpu", "-Xswiftc", args.target_cpu, "-Xcc", f"-march={args.target_cpu}",
             "-Xswiftc", "-DSWIFTMACE_FMA"])
    binary = os.path.join(scratch, "release", "swiftmace-benchmarks")

    rows = []
    for dtype in DTYPES:
        model = os.path.join(args.out, f"benchmark_128_f{dtype[-2:]}.safetensors")
        for structure in STRUCTURES:
            out = os.path.join(args.out, f"swiftmace_{structure}_{dtype}.json")
            command = pin + [binary, "mace", "--model-file", model,
                             "--structure-file", os.path.join(args.out, f"{structure}.xyz"),
                             "--repeats", str(args.repeat), "--warmup", str(args.warmup), "--json", out]
            if dtype == "float32":
                command.append("--float32")
            run(command, stdout=subprocess.DEVNULL)
            with open(out) as f:
                swift = json.load(f)
            reference = mace[(structure, dtype)]
            exact = mace[(structure, "float64")]
            d_energy = abs(swift["energies_eV"][0] - reference["energy_eV"])
            d_force = max_difference(swift["forces_eV_per_A"][0], reference["forces_eV_per_A"])
            rows.append((structure, dtype, reference["model"]["median_ms"], swift["median_ms"],
                         reference["model"]["median_ms"] / swift["median_ms"], d_energy,
                         d_energy / abs(reference["energy_eV"]), d_force,
                         abs(reference["energy_eV"] - exact["energy_eV"]),
                         abs(swift["energies_eV"][0] - exact["energy_eV"])))

    load_after = os.getloadavg()
    print(f"mace-torch vs SwiftMACE, energy+forces, cores {args.cores}, warm-up {args.warmup}, repeat {args.repeat}; "
          f"load average before {load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, "
          f"after {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}")
    print("| structure | dtype | mace-torch median ms | SwiftMACE median ms | speed-up | max abs dE eV (relative) "
          "| max abs dF eV/A | abs dE to mace float64: mace, SwiftMACE |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for structure, dtype, mace_ms, swift_ms, speedup, d_energy, relative, d_force, mace_err, swift_err in rows:
        print(f"| {structure} | {dtype} | {mace_ms:.1f} | {swift_ms:.1f} | {speedup:.1f}x | {d_energy:.2e} "
              f"({relative:.1e}) | {d_force:.2e} | {mace_err:.2e}, {swift_err:.2e} |")


if __name__ == "__main__":
    main()
