// SwiftMACE, MIT licence.
// swiftmace-benchmarks: per-op benchmarks (never run as unit tests). `swiftmace-benchmarks --help` lists them.

import Foundation

let arguments = CommandLine.arguments.dropFirst()
let benchmarks: [String: (ArraySlice<String>) throws -> Void] = [
    "cuda": runCUDABenchmark,
    "cuda-kernels": runCUDAKernelsBenchmark,
    "matmul": runMatmulBenchmark,
    "neighbours": runNeighbourListBenchmark,
    "mace": runMACEBenchmark,
    "polynomials": runPolynomialBenchmark,
]

if let name = arguments.first, let run = benchmarks[name] {
    do {
        try run(arguments.dropFirst())
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
} else {
    print("usage: swiftmace-benchmarks <name> [options]\nbenchmarks: \(benchmarks.keys.sorted().joined(separator: ", "))")
    exit(arguments.isEmpty ? 0 : 64)
}
