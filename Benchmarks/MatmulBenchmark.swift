// SwiftMACE, MIT licence.
// `matmul` benchmark: GFLOP/s of Tensors.matmul for square float64/float32 products (median of repeats).

import Foundation
import Tensors

/// Usage: `swiftmace-benchmarks matmul [sizes...]` (default 128 256 512 1024). Prints, per dtype and
/// size, the median and min–max GFLOP/s over at least 10 timed runs after a warm-up.
func runMatmulBenchmark(_ arguments: ArraySlice<String>) throws {
    let sizes = arguments.isEmpty ? [128, 256, 512, 1024] : arguments.compactMap { Int($0) }
    print("matmul: \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("dtype    n      median GFLOP/s   min..max")
    for dtype in [DType.float64, .float32] {
        for n in sizes {
            var generator = SystemRandomNumberGenerator()
            let values = (0..<(n * n)).map { _ in Double.random(in: -1...1, using: &generator) }
            let a = try Tensor(values, shape: [n, n], dtype: dtype)
            let b = try Tensor(values.reversed(), shape: [n, n], dtype: dtype)
            _ = matmul(a, b)
            let flops = 2.0 * Double(n * n * n)
            let repeats = max(10, min(200, Int(2e9 / flops)))
            var rates: [Double] = []
            for _ in 0..<repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                _ = matmul(a, b)
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
                rates.append(flops / seconds * 1e-9)
            }
            rates.sort()
            let line = String(format: "%-8@ %-6d %10.2f        %.2f..%.2f", dtype.rawValue, n,
                              rates[rates.count / 2], rates.first!, rates.last!)
            print(line)
        }
    }
}
