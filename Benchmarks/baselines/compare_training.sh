#!/usr/bin/env bash
# SwiftMACE, MIT licence.
# rMD17 accuracy and speed comparison: trains mace-torch (mace_run_train) and SwiftMACE (swiftmace train) with the
# same YAML (examples/rmd17_<molecule>.yaml) on the same extended XYZ files, on CPU, and prints one table.
#
# Usage: Benchmarks/baselines/compare_training.sh MOLECULE [--epochs N] [--configs N] [--threads N] [--only TOOL] [--tag NAME] [--unpinned]
#   MOLECULE      ethanol or aspirin (any molecule with an examples/rmd17_<molecule>.yaml)
#   --epochs N    override max_num_epochs (stage two then starts at mace's default max(1, N // 4 * 3))
#   --configs N   smoke test: only the first N configurations of the train and test files
#   --threads N   torch threads (default 2); both tools run pinned to cores 0..N-1 (SwiftMACE uses every core it
#                 may run on)
#   --only TOOL   run only mace or swiftmace (the other tool's earlier output is kept and reported); for accuracy
#                 runs made at different times: their per-epoch times are only comparable on an idle machine
#   --tag NAME    output in .build/compare/MOLECULE-NAME instead (e.g. short timing runs beside full accuracy runs)
#   --unpinned    no taskset: for accuracy runs that share the machine (their times are not comparable)
# RMD17_DATA=DIR  folder of the rMD17 npz files (default /work/shared/data/rmd17, else data/rmd17, which holds
#                 only ethanol)
# Output (not committed): .build/rmd17/*.xyz (the converted data), .build/compare/<molecule>[-tag]/{mace,swiftmace}/
# (each tool's work_dir; stdout.log there is the time-stamped output the table is read from).
set -euo pipefail

usage() { sed -n '6,17p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

[[ $# -ge 1 ]] || usage
molecule=$1; shift
epochs="" configs="" threads=2 only="" tag="" pinned=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --epochs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage; epochs=$2; shift 2 ;;
        --configs) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage; configs=$2; shift 2 ;;
        --threads) [[ $# -ge 2 && $2 =~ ^[1-9][0-9]*$ ]] || usage; threads=$2; shift 2 ;;
        --only) [[ $# -ge 2 && $2 =~ ^(mace|swiftmace)$ ]] || usage; only=$2; shift 2 ;;
        --tag) [[ $# -ge 2 && $2 =~ ^[A-Za-z0-9_-]+$ ]] || usage; tag=$2; shift 2 ;;
        --unpinned) pinned=0; shift ;;
        *) usage ;;
    esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
config=examples/rmd17_${molecule}.yaml
[[ -f $config ]] || { echo "$config: not found" >&2; exit 2; }
here=Benchmarks/baselines
out=.build/compare/$molecule${tag:+-$tag}

# The data: the full split 01 files named in the YAML, or the first N configurations of each for smoke tests.
overrides=()
if [[ -n $configs ]]; then
    python3 $here/rmd17_convert.py --molecules "$molecule" --configs "$configs" ${RMD17_DATA:+--data "$RMD17_DATA"}
    overrides+=(--train_file ".build/rmd17/rmd17_${molecule}_train_01_first${configs}.xyz"
                --test_file ".build/rmd17/rmd17_${molecule}_test_01_first${configs}.xyz")
else
    python3 $here/rmd17_convert.py --molecules "$molecule" ${RMD17_DATA:+--data "$RMD17_DATA"}
fi
[[ -n $epochs ]] && overrides+=(--max_num_epochs "$epochs")

pin=()
if [[ $pinned == 1 ]] && command -v taskset >/dev/null; then pin=(taskset -c "0-$((threads - 1))"); fi
echo "cores: $(nproc) available; torch threads $threads; pinned: ${pin[*]:-no}; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

runs() { [[ -z $only || $only == "$1" ]]; }

# mace-torch 0.3.16 reads the same YAML through its --config (configargparse); --plot False skips its matplotlib
# plots (a re-evaluation of every set that SwiftMACE does not do).
if runs mace; then
rm -rf "$out/mace"; mkdir -p "$out/mace"
echo "== mace-torch ($(python3 -c 'import mace; print(mace.__version__)'))"
OMP_NUM_THREADS=$threads MKL_NUM_THREADS=$threads python3 $here/compare_training.py run "$out/mace/stdout.log" -- \
    "${pin[@]}" python3 -c "import sys, torch; torch.set_num_threads($threads); sys.argv[0] = 'mace_run_train'; \
from mace.cli.run_train import main; main()" \
    --config "$config" --work_dir "$out/mace" --device cpu --plot False "${overrides[@]}" || true
fi

if runs swiftmace; then
# Built before anything is timed, for this machine's vector unit as compare_cpu.py does (256-bit vectors and fused
# multiply-add in the matmul micro-kernel; mace-torch's MKL picks its kernels for the CPU at run time too).
scratch=.build/native
flags=(-Xswiftc -target-cpu -Xswiftc haswell -Xcc -march=haswell -Xswiftc -DSWIFTMACE_FMA)
swift build -c release --product swiftmace --scratch-path $scratch "${flags[@]}" 2>&1 | tail -3
swiftmace=$(swift build -c release --scratch-path $scratch "${flags[@]}" --show-bin-path)/swiftmace
rm -rf "$out/swiftmace"; mkdir -p "$out/swiftmace"
echo "== SwiftMACE"
python3 $here/compare_training.py run "$out/swiftmace/stdout.log" -- \
    "${pin[@]}" "$swiftmace" train --config "$config" --work_dir "$out/swiftmace" "${overrides[@]}" || true
fi

python3 $here/compare_training.py report "$out"
