// SwiftMACE, MIT licence.
// WeightGradientKernel: the launches of WeightGradientKernelSource's 3xTF32 split-K weight gradient, the split count
// (one wave of blocks on the device) and the size of its float64 partials.

import CUDA

/// `C[m, n] = Σ_pairs Aᵀ·B` (float32, `A [rows, m]`, `B [rows, n]`, row-major) on tensor cores in 3xTF32, from a
/// module holding ``WeightGradientKernelSource/code``.
struct WeightGradientKernel {
    let module: CUDAModule

    /// Columns of C resident per SM (`__launch_bounds__`: two blocks of 128 columns, or four of 64, at m = 64).
    private static let columnsPerSM = 256

    /// float64 scalars of the partials buffer on a device with `multiprocessors` SMs: one wave of blocks holds at
    /// most `256 · SMs` columns, each split's tile `[m ≤ 64, n]`.
    static func partialCount(multiprocessors: Int) -> Int {
        columnsPerSM * multiprocessors * (WeightGradientKernelSource.inputs.max() ?? 0)
    }

    /// Whether a kernel takes this product: 16, 32 or 64 inputs, `n` a multiple of 4, every address 16-byte aligned.
    static func fits(inputs: Int, outputs n: Int, addresses: [UInt64]) -> Bool {
        WeightGradientKernelSource.inputs.contains(inputs) && n > 0 && n % 4 == 0
            && addresses.allSatisfy { $0 % 16 == 0 }
    }

    /// `c = a₀ᵀ·b₀ + a₁ᵀ·b₁` with `rows` rows in each pair (`c` `[m, n]`, overwritten), through `partials`
    /// (``partialCount(multiprocessors:)`` float64 scalars). Deterministic: a fixed split and a fixed-order sum.
    /// `splitLimit` caps the splits (the check uses it for long splits on small data).
    func run(
        rows: Int, m: Int, n: Int, pairs: [(a: UInt64, b: UInt64)], c: UInt64, partials: DeviceBuffer,
        stream: CUDAStream, splitLimit: Int = .max
    ) throws {
        guard let first = pairs.first, pairs.count <= 2, rows > 0, WeightGradientKernelSource.inputs.contains(m) else {
            throw CUDAError.invalidArgument(
                "weight gradient: \(pairs.count) operand pairs of \(rows) rows, m = \(m); expected 1 or 2 pairs, "
                    + "m 16, 32 or 64")
        }
        let second = pairs.count == 2 ? pairs[1] : first
        let rows1 = pairs.count == 2 ? rows : 0
        let shape = WeightGradientKernelSource.launch(inputs: m, outputs: n)
        let columnTiles = (n + shape.columns - 1) / shape.columns
        let total = rows + rows1
        let chunk = WeightGradientKernelSource.chunkRows
        let wave = Self.columnsPerSM / shape.columns * module.context.device.multiprocessorCount
        // One wave of blocks, each split at least 256 rows.
        let splits = max(1, min(wave / columnTiles, (total + 255) / 256, splitLimit))
        let per = ((total + splits - 1) / splits + chunk - 1) / chunk * chunk
        let count = m * n
        guard splits * count * 8 <= partials.byteCount else {
            throw CUDAError.invalidArgument(
                "weight gradient: \(splits) splits of \(count) need a larger partials buffer")
        }
        let kernel = try module.kernel(named: shape.name)
        try kernel.setMaxDynamicSharedMemory(bytes: shape.sharedBytes)
        try kernel.launch(
            grid: (columnTiles, splits, 1), block: (shape.threads, 1, 1), sharedMemoryBytes: shape.sharedBytes,
            stream: stream,
            arguments: [
                .int32(Int32(n)), .int64(Int64(rows)), .int64(Int64(rows1)), .int64(Int64(per)), .pointer(first.a),
                .pointer(first.b), .pointer(second.a), .pointer(second.b), .buffer(partials),
            ])
        try module.kernel(named: "weight_gradient_sum").launch(
            grid: ((count + 255) / 256, 1, 1), block: (256, 1, 1), stream: stream,
            arguments: [.int32(Int32(count)), .int32(Int32(splits)), .buffer(partials), .pointer(c)])
    }
}
