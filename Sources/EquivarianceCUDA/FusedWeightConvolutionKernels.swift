// SwiftMACE, MIT licence.
// FusedWeightConvolutionKernels: the conv_tp kernels whose per-edge weights h · W are computed on tensor cores in
// the kernel (FusedWeightConvolutionSource), compiled and loaded, with W's fragments and typed launches.

import CUDA
import Equivariance

/// conv_tp forward and backward with per-edge weights `h_e · W` formed in the kernel, for one descriptor, one
/// `W` and one 16-bit storage (``FusedWeightConvolutionSource``).
///
/// `h` is `[edges, K]` in the storage type, in the caller's edge order; `x1`, `dmid` are float32 node rows, `x2`
/// float32 per edge, and the forward writes `mid` node rows in the storage type (ir_mul); the backward writes `dweight` `[edges, weight size]` in the storage type,
/// each edge's d/dx1 term `[edges, x1 size]` and per 32-channel slice the d/dx2 sums `[slices, edges, x2 size]`
/// (float32; ``slices``). All outputs are overwritten; no atomics.
public final class FusedWeightConvolutionKernels: @unchecked Sendable {
    public let source: FusedWeightConvolutionSource
    public let storage: HalfStorage
    /// `W`'s A fragments per slice (``FusedWeightConvolutionSource/fragments(weights:inputWidth:paths:channels:storage:)``).
    let fragments: DeviceBuffer
    let forwardKernel: CUDAKernel
    let backwardKernel: CUDAKernel
    let forwardShape: Shape

    /// A block layout the module has entry points for: warps per block, 8-edge groups per tile.
    struct Shape {
        let warps: Int
        let groups: Int
        let suffix: String
        static let standard = Shape(warps: 8, groups: 1, suffix: "")

        func sharedBytes(_ source: FusedWeightConvolutionSource) -> Int {
            source.sharedMemoryBytes(warps: warps, groups: groups)
        }
    }

    /// - Parameter weights: `W`, `[K, weight size]` row-major (values; rounded to `storage` here).
    public init(
        context: CUDAContext, cache: KernelCache, descriptor: ChannelwiseTensorProductDescriptor, inputWidth: Int,
        weights: [Double], storage: HalfStorage, stream: CUDAStream) throws {
        source = try FusedWeightConvolutionSource(
            descriptor: descriptor, inputWidth: inputWidth)
        guard weights.count == inputWidth * descriptor.weightCount else {
            throw CUDAError.invalidArgument(
                "fused-weight conv: \(weights.count) weights; expected \(inputWidth) × \(descriptor.weightCount)")
        }
        self.storage = storage
        let module = try context.loadModule(KernelSource(name: "conv_fused.cu", code: source.code), cache: cache)
        // The forward takes tiles of 16 edges (each fragment read from shared memory serves two mma) in blocks of
        // 16 warps where those fit in shared memory; the backward, whose registers allow 16 warps per SM in any
        // case, ran no faster so, and takes tiles of 8 in blocks of 8 warps.
        let wide = Shape(warps: 16, groups: 2, suffix: "_t16")
        forwardShape = source.sharedMemoryBytes(warps: wide.warps, groups: wide.groups)
            <= context.device.maxSharedMemoryPerBlockOptin ? wide : Shape.standard
        forwardKernel = try module.kernel(
            named: FusedWeightConvolutionSource.entryName(source.forwardName, storage) + forwardShape.suffix)
        backwardKernel = try module.kernel(named: FusedWeightConvolutionSource.entryName(source.backwardName, storage))
        try forwardKernel.setMaxDynamicSharedMemory(bytes: forwardShape.sharedBytes(source))
        try backwardKernel.setMaxDynamicSharedMemory(bytes: Shape.standard.sharedBytes(source))
        fragments = try DeviceBuffer(
            context: context,
            copying: FusedWeightConvolutionSource.fragments(
                weights: weights, inputWidth: inputWidth, paths: source.paths, channels: source.channels,
                storage: storage),
            stream: stream)
    }

    /// Replaces `W` (same shape), e.g. after a parameter update.
    public func setWeights(_ weights: [Double], stream: CUDAStream) throws {
        try fragments.copy(
            from: FusedWeightConvolutionSource.fragments(
                weights: weights, inputWidth: source.inputWidth, paths: source.paths, channels: source.channels,
                storage: storage),
            stream: stream)
    }

    /// Whether a graph with `rows` receivers gives the forward at least two blocks per SM. Below that the block
    /// layout leaves most of the GPU idle and the plain kernels on a stored weight buffer are faster (192 water
    /// atoms, bf16-linear: 1.55 against 0.97 ms per energy + forces, H100).
    public func fillsDevice(rows: Int) -> Bool {
        let blocks = (rows + 4 * forwardShape.warps - 1) / (4 * forwardShape.warps) * slices
        return blocks >= 2 * fragments.context.device.multiprocessorCount
    }

    /// 32-channel slices: the blocks along y, and the number of d/dx2 partial sums the backward writes per edge.
    public var slices: Int { source.channels / FusedWeightConvolutionSource.slice }

    private func launch(
        _ kernel: CUDAKernel, _ shape: Shape, csr: DeviceEdgeCSR, edges: Int?, pointers: [UInt64], stream: CUDAStream
    ) throws {
        let rows = csr.csr.rowCount
        guard rows > 0 else { return }
        // Four rows per warp: enough for the block's copy of the fragments to pay off, ≥ 10 waves at 24000 atoms.
        let rowsPerBlock = 4 * shape.warps
        var arguments = csr.arguments
        arguments.insert(.int32(Int32(rowsPerBlock)), at: 1)
        if let edges { arguments.insert(.int32(Int32(edges)), at: 2) }
        arguments += [.pointer(pointers[0]), .buffer(fragments)] + pointers.dropFirst().map { .pointer($0) }
        try kernel.launch(
            grid: ((rows + rowsPerBlock - 1) / rowsPerBlock * slices, 1, 1), block: (shape.warps * 32, 1, 1),
            sharedMemoryBytes: shape.sharedBytes(source), stream: stream, arguments: arguments)
    }

    /// `mid[receiver] = Σ_edges TP(h_e · W, x1[sender], x2[e])` over the receiver CSR, summed in float32 and
    /// written in the 16-bit storage type (what the linear after it reads). Device addresses.
    public func forward(receivers: DeviceEdgeCSR, h: UInt64, x1: UInt64, x2: UInt64, mid: UInt64, stream: CUDAStream)
        throws
    {
        try launch(forwardKernel, forwardShape, csr: receivers, edges: nil, pointers: [h, x1, x2, mid], stream: stream)
    }

    /// Per edge `dweight[e]` (16-bit), the d/dx1 term `dx1Edges[e]`, and per slice s `dx2Slices[s, e]` (their sum
    /// over s is d/dx2), from the receivers' `dmid`. `edges`: the row count of `dx2Slices`'s slices. Device
    /// addresses.
    public func backward(
        receivers: DeviceEdgeCSR, edges: Int, h: UInt64, x1: UInt64, x2: UInt64, dmid: UInt64, dweight: UInt64,
        dx1Edges: UInt64, dx2Slices: UInt64, stream: CUDAStream
    ) throws {
        try launch(
            backwardKernel, .standard, csr: receivers, edges: edges, pointers: [h, x1, x2, dmid, dweight, dx1Edges, dx2Slices],
            stream: stream)
    }
}
