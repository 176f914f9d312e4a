#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# mace-torch side of the CPU speed comparison: energy + forces of a 128-channel ScaleShiftMACE on a
# 192-atom periodic water cell and a 21-atom aspirin, float64 and float32, on 2 CPU threads.
"""Usage: python3 Benchmarks/baselines/mace_torch_cpu.py [--out DIR] [--threads 2] [--warmup 3] [--repeat 10]
                                                         [--json FILE]

Writes into DIR (default .build/benchmark_baseline, not committed):
  benchmark_128_f64.safetensors   the model (tools/export_mace_torch.py), float64
  benchmark_128_f32.safetensors   the same weights rounded to float32 (exporter --dtype float32)
  benchmark_128.model             the torch.save file both were exported from
  water192.xyz, aspirin21.xyz     the two structures (extxyz, no labels)
then times, per structure and dtype:
  model       model(batch, compute_force=True) on a prepared batch (graph built once): forward + forces
  calculator  MACECalculator.calculate (ASE atoms → neighbour list → batch → model; mace's calculator
              also computes stress/virials, which it always requests for MACE models)
and prints a table (median, min, max in ms) and a JSON document.

The model is make_mace_fixtures.BENCHMARK_MODEL (seed 505): hidden 128x0e+128x1o, max_ell 3,
correlation 3, 2 layers, r_max 5, radial MLP [64, 64, 64], elements H C N O, built in float64 with
mace's classes and perturbed as every fixture model. float32 = the float64 model converted with
`.float()` (the same numbers the F32 export holds).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "fixtures"))

import mace  # noqa: E402,F401  (sets TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD before e3nn loads its constants)
import ase  # noqa: E402
import ase.io  # noqa: E402
import torch  # noqa: E402
from mace import data as mace_data  # noqa: E402
from mace.calculators import MACECalculator  # noqa: E402
from mace.tools import torch_geometric  # noqa: E402
from mace.tools.utils import AtomicNumberTable  # noqa: E402

import make_mace_fixtures as mmf  # noqa: E402  (also puts tools/ on sys.path)
import export_mace_torch  # noqa: E402

DATA = "/work/shared/data"
DTYPES = {"float64": torch.float64, "float32": torch.float32}


def water_192():
    """First frame of the DeePMD water set: 64 H2O in a 12.44 Å cubic box, periodic (coords unwrapped)."""
    root = os.path.join(DATA, "water_deepmd", "data", "data_0")
    coords = np.load(os.path.join(root, "set.000", "coord.npy"))[0].astype(np.float64).reshape(-1, 3)
    box = np.load(os.path.join(root, "set.000", "box.npy"))[0].astype(np.float64).reshape(3, 3)
    types = np.loadtxt(os.path.join(root, "type.raw"), dtype=int)
    names = open(os.path.join(root, "type_map.raw")).read().split()
    symbols = [names[t] for t in types]
    return ase.Atoms(symbols=symbols, positions=coords, cell=box, pbc=True)


def aspirin_21():
    """First frame of rMD17 aspirin split 01 (train), non-periodic."""
    npz = np.load(os.path.join(DATA, "rmd17", "rmd17_aspirin_train_01.npz"))
    return ase.Atoms(numbers=npz["nuclear_charges"].astype(int), positions=npz["coords"][0], pbc=False)


def prepared_batch(model, atoms):
    z_table = AtomicNumberTable([int(z) for z in model.atomic_numbers])
    config = mace_data.config_from_atoms(atoms)
    data = mace_data.AtomicData.from_config(config, z_table=z_table, cutoff=float(model.r_max), heads=model.heads)
    loader = torch_geometric.dataloader.DataLoader(dataset=[data], batch_size=1, shuffle=False, drop_last=False)
    return next(iter(loader)).to_dict()


def time_calls(function, warmup, repeat):
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000.0)
    return {"median_ms": statistics.median(times), "min_ms": min(times), "max_ms": max(times),
            "repeat": repeat, "warmup": warmup, "all_ms": times}


def benchmark(model, dtype_name, structures, warmup, repeat):
    dtype = DTYPES[dtype_name]
    torch.set_default_dtype(dtype)
    model = model.to(dtype)
    for p in model.parameters():
        p.requires_grad_(False)
    calculator = MACECalculator(models=[model], device="cpu", default_dtype=dtype_name)
    results = []
    for name, atoms in structures.items():
        batch = prepared_batch(model, atoms)

        def model_call():
            out = model(dict(batch), compute_force=True, compute_stress=False, training=False)
            return out["energy"], out["forces"]

        energy, forces = model_call()
        num_edges = int(batch["edge_index"].shape[1])
        model_times = time_calls(model_call, warmup, repeat)

        work = atoms.copy()

        def calculator_call():
            calculator.calculate(work, properties=["energy", "forces"])
            return calculator.results["energy"], calculator.results["forces"]

        calc_energy, _ = calculator_call()
        calculator_times = time_calls(calculator_call, warmup, repeat)
        print(f"{name} {dtype_name}: model {model_times['median_ms']:.1f} ms, "
              f"calculator {calculator_times['median_ms']:.1f} ms", file=sys.stderr, flush=True)
        results.append({
            "structure": name, "dtype": dtype_name, "num_atoms": len(atoms), "num_edges": num_edges,
            "energy_eV": float(energy.item()), "calculator_energy_eV": float(calc_energy),
            "max_abs_force_eV_per_A": float(forces.abs().max()),
            "forces_eV_per_A": forces.detach().to(torch.float64).tolist(),
            "model": model_times, "calculator": calculator_times,
        })
    torch.set_default_dtype(torch.float64)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(REPO, ".build", "benchmark_baseline"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--json", help="also write the JSON document to this file")
    args = parser.parse_args()
    if args.repeat < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--repeat and --threads must be ≥ 1, --warmup ≥ 0")

    torch.set_num_threads(args.threads)
    torch.set_default_dtype(torch.float64)
    os.makedirs(args.out, exist_ok=True)

    spec = mmf.BENCHMARK_MODEL
    model = mmf.build_model(spec)
    model_path = os.path.join(args.out, "benchmark_128.model")
    torch.save(model, model_path)
    export_mace_torch.export(model_path, os.path.join(args.out, "benchmark_128_f64.safetensors"))
    export_mace_torch.export(model_path, os.path.join(args.out, "benchmark_128_f32.safetensors"), dtype="float32")

    structures = {}
    for name, atoms in (("water192", water_192()), ("aspirin21", aspirin_21())):
        path = os.path.join(args.out, f"{name}.xyz")
        ase.io.write(path, atoms, format="extxyz")
        structures[name] = ase.io.read(path)  # time exactly what SwiftMACE will read (8-decimal positions)

    results = []
    for dtype_name in ("float64", "float32"):
        fresh = torch.load(model_path, weights_only=False, map_location="cpu")
        results.extend(benchmark(fresh, dtype_name, structures, args.warmup, args.repeat))

    document = {
        "benchmark": "mace-torch CPU energy+forces", "script": "Benchmarks/baselines/mace_torch_cpu.py",
        "model": {"file_f64": "benchmark_128_f64.safetensors", "file_f32": "benchmark_128_f32.safetensors",
                  **{k: v for k, v in spec.items() if k not in ("E0s",)}},
        "threads": args.threads, "torch_num_threads": torch.get_num_threads(),
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "cpu_count": os.cpu_count(), "load_average_1_5_15": list(os.getloadavg())},
        "versions": {"mace": mace.__version__, "torch": torch.__version__, "python": platform.python_version(),
                     "numpy": np.__version__},
        "results": results,
    }
    print(f"mace-torch {mace.__version__}, torch {torch.__version__}, {args.threads} threads, "
          f"warm-up {args.warmup}, repeat {args.repeat}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'structure':<10} {'atoms':>5} {'edges':>6} {'dtype':<8} "
          f"{'model median':>12} {'min':>8} {'max':>8}   {'calc median':>11} {'min':>8} {'max':>8}  (ms)")
    for r in results:
        m, c = r["model"], r["calculator"]
        print(f"{r['structure']:<10} {r['num_atoms']:>5} {r['num_edges']:>6} {r['dtype']:<8} "
              f"{m['median_ms']:>12.1f} {m['min_ms']:>8.1f} {m['max_ms']:>8.1f}   "
              f"{c['median_ms']:>11.1f} {c['min_ms']:>8.1f} {c['max_ms']:>8.1f}")
    text = json.dumps(document, indent=1)
    print(text)
    if args.json:
        with tempfile.NamedTemporaryFile("w", dir=os.path.dirname(os.path.abspath(args.json)), delete=False) as f:
            f.write(text + "\n")
        os.chmod(f.name, 0o644)
        os.replace(f.name, args.json)


if __name__ == "__main__":
    main()
