// SwiftMACE, MIT licence.
// GPU self-test checks of the proof kernels: results against Tensors on the CPU, bitwise determinism, graph replay
// against direct launches, event timing and allocator accounting.

import Support
import Tensors

/// Checks of the proof kernels on one stream.
struct KernelChecks {
    let context: CUDAContext
    let kernels: ProofKernelSet
    let stream: CUDAStream

    func upload(_ values: [Double], _ precision: ProofPrecision) throws -> DeviceBuffer {
        switch precision {
        case .float32: try DeviceBuffer(context: context, copying: values.map { Float($0) }, stream: stream)
        case .float64: try DeviceBuffer(context: context, copying: values, stream: stream)
        }
    }

    func download(_ buffer: DeviceBuffer, count: Int, _ precision: ProofPrecision) throws -> [Double] {
        switch precision {
        case .float32: try buffer.toArray(of: Float.self, count: count, stream: stream).map(Double.init)
        case .float64: try buffer.toArray(of: Double.self, count: count, stream: stream)
        }
    }

    /// A buffer of `count` elements filled with NaN (0xFF bytes), so unwritten outputs fail the comparison.
    func poisoned(count: Int, _ precision: ProofPrecision) throws -> DeviceBuffer {
        let buffer = try DeviceBuffer(context: context, byteCount: count * precision.elementSize, stream: stream)
        try buffer.fill(byte: 0xFF, stream: stream)
        return buffer
    }

    func bound(_ precision: ProofPrecision) -> Double { precision == .float32 ? 1e-6 : 1e-14 }

    func axpy(_ precision: ProofPrecision, _ generator: inout SeededGenerator) throws -> (Bool, String) {
        let count = 1_000_003
        let a = 0.75
        let x = generator.doubles(count)
        let y = generator.doubles(count)
        let yBuffer = try upload(y, precision)
        try kernels.axpy(count: count, a: a, x: try upload(x, precision), y: yBuffer, precision: precision, stream: stream)
        let output = try download(yBuffer, count: count, precision)
        let rounded: (Double) -> Double = precision == .float32 ? { Double(Float($0)) } : { $0 }
        let reference = zip(x, y).map { rounded(a) * rounded($0) + rounded($1) }
        let error = SelftestMath.relativeError(output, reference)
        return (error <= bound(precision), "\(count) elements, relative error \(SelftestMath.scientific(error)) "
            + "≤ \(SelftestMath.scientific(bound(precision)))")
    }

    func silu(_ precision: ProofPrecision, _ generator: inout SeededGenerator) throws -> (Bool, String) {
        let count = 100_003
        let x = generator.doubles(count, in: -8...8)
        let dy = generator.doubles(count)
        let dtype: DType = precision == .float32 ? .float32 : .float64
        let xTensor = try Tensor(x, shape: [count], dtype: dtype).requiringGrad()
        let forward = Tensors.silu(xTensor)
        let seed = try Tensor(dy, shape: [count], dtype: dtype)
        let backward = try grad(of: forward, withRespectTo: [xTensor], seed: seed)[0]
        let xBuffer = try upload(x, precision)
        let yBuffer = try poisoned(count: count, precision)
        let dxBuffer = try poisoned(count: count, precision)
        try kernels.siluForward(count: count, x: xBuffer, y: yBuffer, precision: precision, stream: stream)
        try kernels.siluBackward(
            count: count, x: xBuffer, dy: try upload(dy, precision), dx: dxBuffer, precision: precision,
            stream: stream)
        let forwardError = SelftestMath.relativeError(try download(yBuffer, count: count, precision), forward.toArray())
        let backwardError = SelftestMath.relativeError(
            try download(dxBuffer, count: count, precision), backward.toArray())
        let passed = forwardError <= bound(precision) && backwardError <= bound(precision)
        return (passed, "vs Tensors \(dtype): forward \(SelftestMath.scientific(forwardError)), backward "
            + "\(SelftestMath.scientific(backwardError)) ≤ \(SelftestMath.scientific(bound(precision)))")
    }

    func blockSum(_ generator: inout SeededGenerator) throws -> (Bool, String) {
        let count = 3_000_017
        let values = generator.doubles(count, in: -0.5...1.5)
        let blocks = 4 * context.device.multiprocessorCount
        let x = try upload(values, .float64)
        let partial = try DeviceBuffer(context: context, byteCount: blocks * 8, stream: stream)
        var sums: [Double] = []
        for _ in 0..<2 {
            let result = try poisoned(count: 1, .float64)
            try kernels.sum(
                count: count, x: x, partial: partial, result: result, partialBlocks: blocks, precision: .float64,
                stream: stream)
            sums += try download(result, count: 1, .float64)
        }
        let reference = try Tensor(values, shape: [count]).sum().scalarValue
        let error = abs(sums[0] - reference) / abs(reference)
        let identical = sums[0].bitPattern == sums[1].bitPattern
        return (identical && error <= 1e-12, "two runs bitwise \(identical ? "identical" : "DIFFERENT"), "
            + "relative error vs Tensors sum \(SelftestMath.scientific(error)) ≤ 1e-12")
    }

    func graphReplay(_ generator: inout SeededGenerator) throws -> (Bool, String) {
        let count = 100_003
        let x = try upload(generator.doubles(count), .float32)
        let initial = generator.doubles(count)
        func sequence(_ y: DeviceBuffer, _ z: DeviceBuffer) throws {
            try kernels.axpy(count: count, a: 0.5, x: x, y: y, precision: .float32, stream: stream)
            try kernels.siluForward(count: count, x: y, y: z, precision: .float32, stream: stream)
            try kernels.axpy(count: count, a: -0.25, x: z, y: y, precision: .float32, stream: stream)
        }
        let yDirect = try upload(initial, .float32)
        let zDirect = try poisoned(count: count, .float32)
        for _ in 0..<2 { try sequence(yDirect, zDirect) }
        let yGraph = try upload(initial, .float32)
        let zGraph = try poisoned(count: count, .float32)
        try stream.synchronize()
        let graph = try CUDAGraph(capturing: stream) { try sequence(yGraph, zGraph) }
        let untouched = try download(yGraph, count: count, .float32) == initial.map { Double(Float($0)) }
        for _ in 0..<2 { try graph.launch(on: stream) }
        let sameY = try download(yGraph, count: count, .float32) == download(yDirect, count: count, .float32)
        let sameZ = try download(zGraph, count: count, .float32) == download(zDirect, count: count, .float32)
        return (untouched && sameY && sameZ, "capture ran nothing: \(untouched); 2 replays of 3 kernels bitwise equal "
            + "to direct launches: \(sameY && sameZ)")
    }

    func eventTiming() throws -> (Bool, String) {
        let launches = 200
        let start = try CUDAEvent(context: context)
        let end = try CUDAEvent(context: context)
        func launchAll() throws {
            for _ in 0..<launches {
                try kernels.noop.launch(grid: (1, 1, 1), block: (32, 1, 1), stream: stream, arguments: [])
            }
        }
        try launchAll()
        try start.record(on: stream)
        try launchAll()
        try end.record(on: stream)
        let direct = try end.elapsedMilliseconds(since: start)
        let graph = try CUDAGraph(capturing: stream) { try launchAll() }
        try graph.launch(on: stream)
        try start.record(on: stream)
        try graph.launch(on: stream)
        try end.record(on: stream)
        let replay = try end.elapsedMilliseconds(since: start)
        let perLaunch = { (milliseconds: Double) in String(format: "%.2f", milliseconds * 1000 / Double(launches)) }
        return (direct > 0 && replay > 0, "\(launches) empty kernels: direct \(perLaunch(direct)) µs/launch, "
            + "graph \(perLaunch(replay)) µs/launch")
    }

    /// Values out through pinned memory, doubled on the device (axpy into a zeroed buffer, twice), back through
    /// pinned memory: both asynchronous copies in order with the kernels on the stream; 1 MiB copied each way.
    func pinnedRoundTrip(_ generator: inout SeededGenerator) throws -> (Bool, String) {
        let count = 1 << 17
        let values = (0..<count).map { _ in Double.random(in: -1...1, using: &generator) }
        let host = try PinnedHostBuffer(context: context, byteCount: count * 8)
        let device = try DeviceBuffer(context: context, byteCount: count * 8, stream: stream)
        let result = try DeviceBuffer(context: context, byteCount: count * 8, stream: stream)
        _ = values.withUnsafeBufferPointer { host.elements(Double.self, count: count).update(fromContentsOf: $0) }
        try device.copy(from: host, byteCount: count * 8, stream: stream)
        try result.fill(byte: 0, stream: stream)
        for _ in 0..<2 {
            try kernels.axpy(count: count, a: 1, x: device, y: result, precision: .float64, stream: stream)
        }
        host.elements(Double.self, count: count).update(repeating: .nan)
        try result.copy(to: host, byteCount: count * 8, stream: stream)
        try stream.synchronize()
        let back = Array(host.elements(Double.self, count: count))
        let exact = back == values.map { 2 * $0 }
        return (exact, "\(count) float64 out, 2x on the device, back: \(exact ? "exact" : "WRONG")")
    }

    func allocatorAccounting() throws -> (Bool, String) {
        let allocator = context.allocator
        try stream.synchronize()
        allocator.resetPeak()
        let base = allocator.currentBytes
        let before = allocator.statistics
        let size = 3 << 20 + 1
        let rounded = CachingAllocator.roundedSize(size)
        let peak = try withExtendedLifetime(
            (0..<3).map { _ in try DeviceBuffer(context: context, byteCount: size, stream: stream) }
        ) { allocator.peakBytes - base }
        // The freed blocks serve the next three requests of the same size class (3 MiB + 1 B and + 4 KiB both round
        // to 3.25 MiB; the allocator reuses a block only within its class).
        let after = try withExtendedLifetime(
            (0..<3).map { _ in try DeviceBuffer(context: context, byteCount: size + 4096, stream: stream) }
        ) { allocator.statistics }
        let cached = allocator.statistics.reservedBytes
        try allocator.emptyCache()
        let released = cached - allocator.statistics.reservedBytes
        let allocations = after.deviceAllocations - before.deviceAllocations
        let hits = after.cacheHits - before.cacheHits
        let passed = peak == 3 * rounded && allocations == 3 && hits == 3 && released >= 3 * rounded
            && allocator.peakBytes - base == 3 * rounded
        return (passed, "3 × \(size) B → peak \(peak) B (expected \(3 * rounded)), \(allocations) cuMemAlloc, "
            + "\(hits) cache hits on reallocation, emptyCache released \(released) B")
    }
}
