// SwiftMACE, MIT licence.
// `swiftmace-benchmarks cuda`: the device's two ceilings (device-to-device copy bandwidth, cuBLAS GEMM rate per
// dtype) and kernel launch overhead, direct and through a CUDA graph; timed with events, median of repeats.

import CUDA
import Foundation

func runCUDABenchmark(_ arguments: ArraySlice<String>) throws {
    let context = try CUDAContext.shared()
    let stream = try CUDAStream(context: context)
    print(context.device)
    let start = try CUDAEvent(context: context)
    let end = try CUDAEvent(context: context)
    /// Median and range of `repeats` timings (ms) of `body`, after 3 warm-ups.
    func time(repeats: Int = 10, _ body: () throws -> Void) throws -> (median: Double, min: Double, max: Double) {
        for _ in 0..<3 { try body() }
        var samples: [Double] = []
        for _ in 0..<repeats {
            try start.record(on: stream)
            try body()
            try end.record(on: stream)
            samples.append(try end.elapsedMilliseconds(since: start))
        }
        samples.sort()
        return (samples[samples.count / 2], samples[0], samples[samples.count - 1])
    }
    func format(_ t: (median: Double, min: Double, max: Double)) -> String {
        String(format: "%.3f ms (%.3f..%.3f)", t.median, t.min, t.max)
    }

    let copyBytes = 1 << 30
    let source = try DeviceBuffer(context: context, byteCount: copyBytes, stream: stream)
    let destination = try DeviceBuffer(context: context, byteCount: copyBytes, stream: stream)
    try source.fill(byte: 0x3C, stream: stream)
    let copy = try time { try destination.copy(from: source, byteCount: copyBytes, stream: stream) }
    print(String(format: "copy 1 GiB device→device: %@, %.0f GB/s (read + write)", format(copy),
                 2 * Double(copyBytes) / copy.median / 1e6))

    let blas = try CuBLAS(context: context)
    let cases: [(String, GEMMDataType, GEMMDataType, GEMMComputeType)] = [
        ("float64", .float64, .float64, .float64), ("float32", .float32, .float32, .float32),
        ("tf32", .float32, .float32, .float32FastTF32), ("bfloat16→float32", .bfloat16, .float32, .float32),
        ("float16→float32", .float16, .float32, .float32),
    ]
    let size = Int(arguments.first ?? "") ?? 8192
    for (label, dataType, outputType, computeType) in cases {
        let operandBytes = size * size * dataType.byteSize
        let a = try DeviceBuffer(context: context, byteCount: operandBytes, stream: stream)
        let b = try DeviceBuffer(context: context, byteCount: operandBytes, stream: stream)
        let c = try DeviceBuffer(context: context, byteCount: size * size * outputType.byteSize, stream: stream)
        // 0x3C bytes: finite, non-zero values in every type (zeros can run faster than real data).
        try a.fill(byte: 0x3C, stream: stream)
        try b.fill(byte: 0x3C, stream: stream)
        let t = try time {
            try blas.gemm(
                m: size, n: size, k: size, a: a, b: b, c: c, dataType: dataType, outputType: outputType,
                computeType: computeType, stream: stream)
        }
        print(String(format: "gemm %@ %d³: %@, %.1f TFLOP/s", label, size, format(t),
                     2 * pow(Double(size), 3) / t.median / 1e9))
    }

    let kernels = try ProofKernelSet(context: context, cache: try KernelCache(context: context))
    let launches = 1000
    func launchAll() throws {
        for _ in 0..<launches {
            try kernels.noop.launch(grid: (1, 1, 1), block: (32, 1, 1), stream: stream, arguments: [])
        }
    }
    let direct = try time(launchAll)
    let graph = try CUDAGraph(capturing: stream, launchAll)
    let replay = try time { try graph.launch(on: stream) }
    print(String(format: "%d empty kernels: direct %.2f µs/launch, graph %.2f µs/launch", launches,
                 direct.median * 1000 / Double(launches), replay.median * 1000 / Double(launches)))
    let statistics = context.allocator.statistics
    print("allocator: peak \(statistics.peakAllocatedBytes >> 20) MiB allocated, "
        + "\(statistics.peakReservedBytes >> 20) MiB reserved, \(statistics.deviceAllocations) cuMemAlloc calls")
}
