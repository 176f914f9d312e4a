// SwiftMACE, MIT licence.
// WeightGradientCheck: the 3xTF32 split-K weight-gradient kernel (WeightGradientKernelSource) on random float32 data
// against a float64 host product, part of the "training" self-test group.

import CUDA
import Foundation
import Support

/// `C = A₀ᵀ·B₀ + A₁ᵀ·B₁` on the GPU against float64, with row counts off the 16-row chunk, each input count, both
/// column tiles and a partial one, splits that straddle the two pairs, and long splits that pass several float64
/// flushes; each run twice, bitwise equal.
public enum WeightGradientCheck {
    /// Relative error bound (Frobenius): issue 5's float32 bound.
    public static let bound = 1e-5

    /// Inputs, columns, rows per pair, split cap.
    static let cases: [(m: Int, n: Int, rows: Int, splitLimit: Int)] = [
        (64, 64, 10_007, .max), (64, 1792, 3001, .max), (64, 512, 1999, .max), (64, 64, 20_011, 2),
        (32, 48, 5003, .max), (16, 200, 4001, .max),
    ]

    public static func run(context: CUDAContext, report: @escaping (SelftestResult) -> Void) -> [SelftestResult] {
        var run = SelftestRun(report: report)
        let module: CUDAModule
        let stream: CUDAStream
        do {
            module = try context.loadModule(
                KernelSource(name: "weight_gradient.cu", code: WeightGradientKernelSource.code),
                cache: try KernelCache(context: context))
            stream = try CUDAStream(context: context)
        } catch {
            run.check("radial MLP weight gradient 3xTF32") { throw error }
            return run.results
        }
        var generator = SeededGenerator(seed: 2026)
        for (m, n, rows, splitLimit) in cases {
            let name = "radial MLP weight gradient 3xTF32 \(m)×\(n), 2×\(rows) rows"
                + (splitLimit == .max ? "" : ", \(splitLimit) splits")
            run.check(name) {
                try check(module, stream, m: m, n: n, rows: rows, splitLimit: splitLimit, &generator)
            }
        }
        return run.results
    }

    static func check(
        _ module: CUDAModule, _ stream: CUDAStream, m: Int, n: Int, rows: Int, splitLimit: Int,
        _ generator: inout SeededGenerator
    ) throws -> (passed: Bool, detail: String) {
        let a = (0..<2).map { _ in generator.doubles(rows * m).map { Float($0) } }
        let b = (0..<2).map { _ in generator.doubles(rows * n).map { Float($0) } }
        var reference = [Double](repeating: 0, count: m * n)
        for pair in 0..<2 {
            for r in 0..<rows {
                for i in 0..<m {
                    let x = Double(a[pair][r * m + i])
                    let row = i * n
                    for j in 0..<n { reference[row + j] += x * Double(b[pair][r * n + j]) }
                }
            }
        }
        let context = module.context
        let aBuffers = try a.map { try DeviceBuffer(context: context, copying: $0, stream: stream) }
        let bBuffers = try b.map { try DeviceBuffer(context: context, copying: $0, stream: stream) }
        let c = try DeviceBuffer(context: context, byteCount: m * n * 4, stream: stream)
        let partials = try DeviceBuffer(
            context: context,
            byteCount: WeightGradientKernel.partialCount(multiprocessors: context.device.multiprocessorCount) * 8,
            stream: stream)
        let kernel = WeightGradientKernel(module: module)
        let pairs = (0..<2).map { (a: aBuffers[$0].address, b: bBuffers[$0].address) }
        var outputs: [[Float]] = []
        for _ in 0..<2 {
            try kernel.run(
                rows: rows, m: m, n: n, pairs: pairs, c: c.address, partials: partials, stream: stream,
                splitLimit: splitLimit)
            outputs.append(try c.toArray(of: Float.self, count: m * n, stream: stream))
        }
        let relative = SelftestMath.relativeError(outputs[0].map(Double.init), reference)
        let identical = outputs[0].map(\.bitPattern) == outputs[1].map(\.bitPattern)
        return (
            relative <= bound && identical,
            "rel error \(SelftestMath.scientific(relative)) ≤ \(SelftestMath.scientific(bound)) vs float64; "
                + (identical ? "repeat identical" : "repeat differs")
        )
    }
}
