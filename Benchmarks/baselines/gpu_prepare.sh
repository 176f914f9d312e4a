# SwiftMACE, MIT licence.
# Sourced by the GPU side-by-side scripts with `dir` set: unpacks the mace-torch wheels ($dir/site.tar.xz) into
# /tmp/site and the static swiftmace ($dir/swiftmace.xz) into /tmp/sm, exports PYTHONPATH and the kernel cache, prints
# the GPU, and stops the script when cuEquivariance's ops do not import (mace would silently time its slow fallback).
mkdir -p /tmp/site /tmp/sm
tar -xJf "$dir/site.tar.xz" -C /tmp/site
xz -dc "$dir/swiftmace.xz" > /tmp/sm/swiftmace && chmod +x /tmp/sm/swiftmace
export PYTHONPATH=/tmp/site SWIFTMACE_KERNEL_CACHE=/tmp/sm/kernels
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 -c "import cuequivariance_ops_torch, mace, e3nn; print('mace', mace.__version__, 'e3nn', e3nn.__version__)" \
    || { echo "error: cuequivariance_ops_torch or mace does not import; the cueq timings would be mace's slow fallback" >&2; exit 1; }
