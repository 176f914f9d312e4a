// SwiftMACE, MIT licence.
// ProofKernelSet: the proof kernels loaded on a context, with Swift wrappers that pick the float32/float64 variant
// and the launch grid.

/// The precision of a proof kernel variant.
public enum ProofPrecision: String, Sendable, CaseIterable {
    case float32, float64

    var suffix: String { self == .float32 ? "f32" : "f64" }
    var elementSize: Int { self == .float32 ? 4 : 8 }
}

/// The proof kernels of `ProofKernels.source`, loaded.
public struct ProofKernelSet: Sendable {
    /// The loaded module.
    public let module: CUDAModule
    /// The empty kernel (for launch-overhead timing).
    public let noop: CUDAKernel

    /// Compiles (through `cache`) and loads the proof kernels on `context`.
    public init(context: CUDAContext, cache: KernelCache) throws {
        module = try context.loadModule(ProofKernels.source, cache: cache)
        noop = try module.kernel(named: "noop")
    }

    /// y ← a·x + y over `count` elements.
    public func axpy(
        count: Int, a: Double, x: DeviceBuffer, y: DeviceBuffer, precision: ProofPrecision, stream: CUDAStream
    ) throws {
        let scalar: KernelArgument = precision == .float32 ? .float32(Float(a)) : .float64(a)
        try launch("axpy", count: count, precision: precision, stream: stream, [scalar, .buffer(x), .buffer(y)])
    }

    /// y ← x·sigmoid(x).
    public func siluForward(
        count: Int, x: DeviceBuffer, y: DeviceBuffer, precision: ProofPrecision, stream: CUDAStream
    ) throws {
        try launch("silu_forward", count: count, precision: precision, stream: stream, [.buffer(x), .buffer(y)])
    }

    /// dx ← dy · d silu(x)/dx.
    public func siluBackward(
        count: Int, x: DeviceBuffer, dy: DeviceBuffer, dx: DeviceBuffer, precision: ProofPrecision,
        stream: CUDAStream
    ) throws {
        try launch(
            "silu_backward", count: count, precision: precision, stream: stream,
            [.buffer(x), .buffer(dy), .buffer(dx)])
    }

    /// The sum of `count` elements of `x`, in a fixed order (two launches: `partialBlocks` block sums, then one).
    /// `partial` holds at least `partialBlocks` elements, `result` at least one.
    public func sum(
        count: Int, x: DeviceBuffer, partial: DeviceBuffer, result: DeviceBuffer, partialBlocks: Int,
        precision: ProofPrecision, stream: CUDAStream
    ) throws {
        let kernel = try module.kernel(named: "block_sum_" + precision.suffix)
        let shared = ProofKernels.blockSize * precision.elementSize
        let block = (ProofKernels.blockSize, 1, 1)
        try kernel.launch(
            grid: (partialBlocks, 1, 1), block: block, sharedMemoryBytes: shared, stream: stream,
            arguments: [.int64(Int64(count)), .buffer(x), .buffer(partial)])
        try kernel.launch(
            grid: (1, 1, 1), block: block, sharedMemoryBytes: shared, stream: stream,
            arguments: [.int64(Int64(partialBlocks)), .buffer(partial), .buffer(result)])
    }

    private func launch(
        _ name: String, count: Int, precision: ProofPrecision, stream: CUDAStream, _ arguments: [KernelArgument]
    ) throws {
        guard count >= 1 else { throw CUDAError.invalidArgument("\(name): element count \(count); expected ≥ 1") }
        let kernel = try module.kernel(named: name + "_" + precision.suffix)
        let blocks = (count + ProofKernels.blockSize - 1) / ProofKernels.blockSize
        try kernel.launch(
            grid: (blocks, 1, 1), block: (ProofKernels.blockSize, 1, 1), stream: stream,
            arguments: [.int64(Int64(count))] + arguments)
    }
}
