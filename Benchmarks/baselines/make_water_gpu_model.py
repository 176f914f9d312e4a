#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# The GPU benchmark model of issue 5: mace-torch ScaleShiftMACE 128x0e+128x1o, max_ell 3, correlation 3, 2 layers,
# r_max 6, radial MLP [64, 64, 64], elements H and O (water), random weights (seed 505, perturbed as every fixture
# model), exported with tools/export_mace_torch.py; plus the 192-atom DeePMD water frame as extxyz.
"""Usage: python3 Benchmarks/baselines/make_water_gpu_model.py OUT_DIR [--float32]
Writes OUT_DIR/water_gpu_128.safetensors (float64; `swiftmace bench --dtype float32` rounds it at load),
OUT_DIR/water_gpu_128.model (torch.save) and OUT_DIR/water192.xyz. --float32 saves both files with the weights
rounded to float32 (the same values either tool gets from the float64 files in float32; half the size, for
carrying to the GPU machine)."""

import os
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tools", "fixtures"))
sys.path.insert(0, os.path.dirname(__file__))

import mace  # noqa: E402,F401
import ase.io  # noqa: E402
import torch  # noqa: E402

import make_mace_fixtures as mmf  # noqa: E402
import export_mace_torch  # noqa: E402
from mace_torch_cpu import water_192  # noqa: E402

SPEC = dict(mmf.BENCHMARK_MODEL, elements=[1, 8], r_max=6.0, avg_num_neighbors=89.0, E0s=[-13.57, -2035.57])


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    model = mmf.build_model(SPEC)
    if "--float32" in sys.argv[2:]:
        model = model.float()
    path = os.path.join(out, "water_gpu_128.model")
    torch.save(model, path)
    export_mace_torch.export(path, os.path.join(out, "water_gpu_128.safetensors"))
    ase.io.write(os.path.join(out, "water192.xyz"), water_192(), format="extxyz")
    print(f"wrote {out}/water_gpu_128.safetensors and water192.xyz")


if __name__ == "__main__":
    main()
