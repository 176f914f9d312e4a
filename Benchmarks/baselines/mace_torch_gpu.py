#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# mace-torch on the GPU, for the side-by-side table of gpu_side_by_side.sh: energy + forces of one saved model on a
# periodic structure replicated n×n×n, with the e3nn backend and with cuEquivariance (mace's own e3nn → cueq
# conversion), float32, CUDA-synchronised medians after warm-up, and torch's peak allocated memory; with --training a
# training step instead (../shared/docs/GPU.md's definition: forward with forces, energy + force loss, backward, Adam).
"""Usage: mace_torch_gpu.py MODEL.model STRUCTURE.xyz --replicate 1 2 3 [--backends e3nn cueq] [--repeat 10]
       [--warmup 3] [--json OUT.json] [--device cuda|cpu] [--training]   (cpu: a quick check of the script)
Each (backend, n) prints one line and adds one record to the JSON list: atoms, edges, median/min/max ms,
peak MiB, energy (eV); an out-of-memory is recorded as such, not fatal."""

import argparse
import json
import statistics
import sys
import time

import mace  # noqa: F401  (sets TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD before e3nn loads its constants)
import ase.io
import torch
from mace import data as mace_data
from mace.tools import torch_geometric
from mace.tools.utils import AtomicNumberTable


def prepared_batch(model, atoms, device):
    z_table = AtomicNumberTable([int(z) for z in model.atomic_numbers])
    config = mace_data.config_from_atoms(atoms)
    data = mace_data.AtomicData.from_config(config, z_table=z_table, cutoff=float(model.r_max), heads=model.heads)
    loader = torch_geometric.dataloader.DataLoader(dataset=[data], batch_size=1, shuffle=False, drop_last=False)
    return next(iter(loader)).to(device).to_dict()


def synchronize(device):
    if device == "cuda":
        torch.cuda.synchronize()


def backend_model(path, backend, device, training=False):
    # map_location leaves the buffers of e3nn's code-generated (TorchScript) modules on the CPU; .to moves all.
    model = torch.load(path, map_location=device, weights_only=False).to(device=device, dtype=torch.float32)
    if backend == "cueq":
        from mace.cli.convert_e3nn_cueq import run as e3nn_to_cueq
        import cuequivariance_ops_torch  # noqa: F401  (without it mace silently falls back to a slow path)
        model = e3nn_to_cueq(model, device="cuda").to(torch.float32)
    for parameter in model.parameters():
        parameter.requires_grad_(training)
    return model.train() if training else model.eval()


def timed(call, warmup, repeat, device):
    """`call()` once (its energy is returned), `warmup` more times, then `repeat` timed calls (CUDA-synchronised, ms)
    with torch's peak allocated memory over them."""
    energy = call()
    for _ in range(warmup):
        call()
    synchronize(device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        synchronize(device)
        times.append((time.perf_counter() - start) * 1000.0)
    peak = torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else float("nan")
    return float(energy.sum().item()), times, peak


def measure(model, batch, warmup, repeat, device):
    """Energy + forces."""
    def call():
        return model(dict(batch), compute_force=True, compute_stress=False, training=False)["energy"]

    return timed(call, warmup, repeat, device)


def measure_training(model, batch, warmup, repeat, device):
    """One optimisation step: forward with forces (training=True, so the force graph is kept), the energy + force
    loss against zero labels (weights 1 and 100, mace's defaults), backward through the double backward, Adam."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-6)

    def call():
        out = model(dict(batch), compute_force=True, compute_stress=False, training=True)
        loss = (out["energy"] ** 2).mean() + 100.0 * (out["forces"] ** 2).mean()
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return out["energy"].detach()

    return timed(call, warmup, repeat, device)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("structure")
    parser.add_argument("--replicate", type=int, nargs="+", default=[1])
    parser.add_argument("--backends", nargs="+", default=["e3nn", "cueq"], choices=["e3nn", "cueq"])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json")
    parser.add_argument("--device", default="cuda", choices=["cuda", "cpu"])
    parser.add_argument("--training", action="store_true", help="time a training step instead of energy + forces")
    args = parser.parse_args()
    torch.set_default_dtype(torch.float32)
    base = ase.io.read(args.structure)
    records = []
    for backend in args.backends:
        model = backend_model(args.model, backend, args.device, training=args.training)
        for n in args.replicate:
            atoms = base.repeat((n, n, n))
            record = {"backend": backend, "replicate": n, "atoms": len(atoms), "dtype": "float32",
                      "task": "training step" if args.training else "energy + forces"}
            try:
                batch = prepared_batch(model, atoms, args.device)
                record["edges"] = int(batch["edge_index"].shape[1])
                timed = measure_training if args.training else measure
                energy, times, peak = timed(model, batch, args.warmup, args.repeat, args.device)
                record.update(energy_eV=energy, median_ms=statistics.median(times), min_ms=min(times),
                              max_ms=max(times), peak_MiB=peak, repeat=args.repeat, warmup=args.warmup)
                print(f"mace-torch {backend} {record['task']} {len(atoms)} atoms: {record['median_ms']:.2f} ms, "
                      f"peak {peak:.0f} MiB, "
                      f"E {energy:.6f} eV", flush=True)
            except RuntimeError as error:  # inside e3nn's TorchScript an OutOfMemoryError arrives as RuntimeError
                if "out of memory" not in str(error):
                    raise
                record["error"] = "out of memory"
                print(f"mace-torch {backend} {len(atoms)} atoms: out of memory", flush=True)
            records.append(record)
            batch = None
            if args.device == "cuda":
                torch.cuda.empty_cache()
        model = None
    if args.json:
        with open(args.json, "w") as f:
            gpu = torch.cuda.get_device_name() if args.device == "cuda" else "cpu"
            json.dump({"torch": torch.__version__, "mace": mace.__version__, "gpu": gpu,
                       "results": records}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
