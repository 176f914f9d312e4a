#!/usr/bin/env python3
# SwiftMACE, MIT licence.
# rMD17 npz (kcal/mol, Å) → extended XYZ in eV for the accuracy comparison with mace-torch: the same files are
# given to mace_run_train (which cannot read npz) and to `swiftmace train`, so both train on identical numbers.
"""Usage: python3 Benchmarks/baselines/rmd17_convert.py [--molecules ethanol aspirin] [--configs N]
                                                      [--data DIR] [--out DIR]

Reads DIR/rmd17_<molecule>_{train,test}_01.npz (default data dir /work/shared/data/rmd17, else data/rmd17) and
writes OUT/rmd17_<molecule>_{train,test}_01.xyz (default OUT .build/rmd17). `--configs N` writes only the first N
configurations of each file, as OUT/rmd17_<molecule>_{train,test}_01_first<N>.xyz (smoke tests).

Each frame: `Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy=<eV> old_index=<MD17 frame> pbc="F F F"`.
Energies and forces are the rMD17 labels (`energies`, `forces`; never the noisy `old_*` MD17 ones) times ASE's
kcal/mol = 0.04336410390059322 eV. Numbers are written with Python's shortest round-trip repr, so the
conversion is deterministic and exact to the last bit of the float64 products. The file is only rewritten when
its content changes.
"""

import argparse
import os
import sys

import numpy as np

KCAL_PER_MOL_IN_EV = 0.04336410390059322  # ase.units.kcal / ase.units.mol
SYMBOLS = {1: "H", 6: "C", 7: "N", 8: "O"}
DEFAULT_DATA_DIRS = ["/work/shared/data/rmd17", "data/rmd17"]


def frame_lines(species, coords, energy_ev, forces_ev, old_index):
    lines = [
        str(len(species)),
        f"Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy={energy_ev!r} old_index={old_index} "
        'pbc="F F F"',
    ]
    for symbol, position, force in zip(species, coords, forces_ev):
        numbers = " ".join(repr(float(x)) for x in (*position, *force))
        lines.append(f"{symbol} {numbers}")
    return lines


def convert(npz_path, xyz_path, configs=None):
    data = np.load(npz_path)
    charges = [int(z) for z in data["nuclear_charges"]]
    unknown = sorted(set(charges) - set(SYMBOLS))
    if unknown:
        sys.exit(f"{npz_path}: nuclear_charges holds {unknown}; expected only {sorted(SYMBOLS)}")
    species = [SYMBOLS[z] for z in charges]
    count = len(data["energies"]) if configs is None else min(configs, len(data["energies"]))
    energies = data["energies"] * KCAL_PER_MOL_IN_EV
    forces = data["forces"] * KCAL_PER_MOL_IN_EV
    lines = []
    for i in range(count):
        lines += frame_lines(species, data["coords"][i], float(energies[i]), forces[i], int(data["old_indices"][i]))
    text = "\n".join(lines) + "\n"
    if os.path.exists(xyz_path):
        with open(xyz_path, encoding="utf-8") as existing:
            if existing.read() == text:
                return count, False
    os.makedirs(os.path.dirname(xyz_path) or ".", exist_ok=True)
    temporary = xyz_path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
    os.replace(temporary, xyz_path)
    return count, True


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--molecules", nargs="+", default=["ethanol", "aspirin"])
    parser.add_argument("--configs", type=int, default=None, help="keep only the first N configurations")
    parser.add_argument("--data", default=None, help="folder of the rMD17 npz files")
    parser.add_argument("--out", default=".build/rmd17")
    args = parser.parse_args()
    if args.configs is not None and args.configs < 1:
        sys.exit(f"--configs {args.configs}: expected a positive number of configurations")
    data_dir = args.data or next((d for d in DEFAULT_DATA_DIRS if os.path.isdir(d)), DEFAULT_DATA_DIRS[-1])
    suffix = "" if args.configs is None else f"_first{args.configs}"
    for molecule in args.molecules:
        for part in ("train", "test"):
            npz = os.path.join(data_dir, f"rmd17_{molecule}_{part}_01.npz")
            if not os.path.exists(npz):
                sys.exit(f"{npz}: not found (rMD17 split 01 of '{molecule}')")
            xyz = os.path.join(args.out, f"rmd17_{molecule}_{part}_01{suffix}.xyz")
            count, written = convert(npz, xyz, args.configs)
            print(f"{xyz}: {count} configurations{'' if written else ' (unchanged)'}")


if __name__ == "__main__":
    main()
