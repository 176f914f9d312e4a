#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# CPU speed comparison with the two tools interleaved: rounds of mace-torch then SwiftMACE on the same model file and
# structure, so a machine whose speed drifts (a shared or virtual host) slows both alike.
"""Usage: python3 Benchmarks/baselines/compare_cpu_interleaved.py [--out DIR] [--structures aspirin21 water192]
          [--dtypes float64 float32] [--rounds 5] [--repeat 10] [--warmup 3] [--cores 0,1] [--json FILE]

Needs the files `mace_torch_cpu.py` writes into DIR (default .build/benchmark_baseline: benchmark_128.model, the two
safetensors exports, the structures) and the `swiftmace-benchmarks` built by `compare_cpu.py` (.build/native).
Per structure and dtype, each round times `model(batch, compute_force=True)` in this process (torch on as many threads
as cores, graph prepared once, the warm-up repeated every round) and then runs `swiftmace-benchmarks mace` (neighbour
list + forward + forces, its own warm-up) as a child process; both pinned to the same cores. Prints, per structure and
dtype: each tool's median over all timed calls, the median of the per-round ratios, and the range of those ratios.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ase.io  # noqa: E402
import torch  # noqa: E402

import mace_torch_cpu as mtc  # noqa: E402  (mace's model classes, prepared batches, DTYPES)


def mace_times(model, batch, warmup, repeat):
    def call():
        out = model(dict(batch), compute_force=True, compute_stress=False, training=False)
        return out["energy"], out["forces"]

    return mtc.time_calls(call, warmup, repeat)["all_ms"]


def swift_times(binary, model_file, structure_file, dtype, warmup, repeat, scratch):
    command = [binary, "mace", "--model-file", model_file, "--structure-file", structure_file,
               "--repeats", str(repeat), "--warmup", str(warmup), "--json", scratch]
    if dtype == "float32":
        command.append("--float32")
    subprocess.run(command, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
    with open(scratch) as f:
        return json.load(f)["all_ms"]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(REPO, ".build", "benchmark_baseline"))
    parser.add_argument("--structures", nargs="+", default=["aspirin21", "water192"])
    parser.add_argument("--dtypes", nargs="+", default=["float64", "float32"], choices=sorted(mtc.DTYPES))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--cores", default="0,1")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if args.rounds < 1 or args.repeat < 1 or args.warmup < 0:
        parser.error("--rounds and --repeat must be ≥ 1, --warmup ≥ 0")
    cores = [int(c) for c in args.cores.split(",")]
    os.sched_setaffinity(0, cores)  # the SwiftMACE child inherits the same cores
    torch.set_num_threads(len(cores))
    binary = os.path.join(REPO, ".build", "native", "release", "swiftmace-benchmarks")
    model_path = os.path.join(args.out, "benchmark_128.model")
    for path in (binary, model_path):
        if not os.path.exists(path):
            sys.exit(f"error: {path} is missing; run Benchmarks/baselines/compare_cpu.py first")
    scratch = os.path.join(args.out, "interleaved_swiftmace.json")

    load_before = os.getloadavg()
    results = []
    for dtype in args.dtypes:
        torch.set_default_dtype(mtc.DTYPES[dtype])
        model = torch.load(model_path, weights_only=False, map_location="cpu").to(mtc.DTYPES[dtype])
        for p in model.parameters():
            p.requires_grad_(False)
        model_file = os.path.join(args.out, f"benchmark_128_f{dtype[-2:]}.safetensors")
        for structure in args.structures:
            structure_file = os.path.join(args.out, f"{structure}.xyz")
            batch = mtc.prepared_batch(model, ase.io.read(structure_file))
            mace_all, swift_all, ratios = [], [], []
            for round_index in range(args.rounds):
                m = mace_times(model, batch, args.warmup, args.repeat)
                s = swift_times(binary, model_file, structure_file, dtype, args.warmup, args.repeat, scratch)
                mace_all += m
                swift_all += s
                ratios.append(statistics.median(m) / statistics.median(s))
                print(f"{structure} {dtype} round {round_index + 1}: mace-torch {statistics.median(m):.1f} ms, "
                      f"SwiftMACE {statistics.median(s):.1f} ms, {ratios[-1]:.2f}x", file=sys.stderr, flush=True)
            results.append({"structure": structure, "dtype": dtype, "rounds": args.rounds, "repeat": args.repeat,
                            "mace_median_ms": statistics.median(mace_all),
                            "swiftmace_median_ms": statistics.median(swift_all),
                            "ratio_median": statistics.median(ratios), "ratio_min": min(ratios),
                            "ratio_max": max(ratios), "mace_all_ms": mace_all, "swiftmace_all_ms": swift_all})
    torch.set_default_dtype(torch.float64)
    load_after = os.getloadavg()

    print(f"mace-torch vs SwiftMACE interleaved, energy+forces, cores {args.cores}, {args.rounds} rounds x "
          f"{args.repeat} calls (warm-up {args.warmup} per round); load average before "
          f"{load_before[0]:.2f}/{load_before[1]:.2f}/{load_before[2]:.2f}, after "
          f"{load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}")
    print("| structure | dtype | mace-torch median ms | SwiftMACE median ms | speed-up (median of rounds) | "
          "speed-up range |")
    print("|---|---|---:|---:|---:|---:|")
    for r in results:
        print(f"| {r['structure']} | {r['dtype']} | {r['mace_median_ms']:.1f} | {r['swiftmace_median_ms']:.1f} | "
              f"{r['ratio_median']:.2f}x | {r['ratio_min']:.2f}–{r['ratio_max']:.2f}x |")
    if args.json:
        with open(args.json + ".tmp", "w") as f:
            json.dump({"load_before": load_before, "load_after": load_after, "results": results}, f, indent=1)
        os.replace(args.json + ".tmp", args.json)


if __name__ == "__main__":
    main()
