// SwiftMACE, MIT licence.
// FactoredConvKernels: the factored first conv (FactoredConvPlan) on the device: its generated kernels compiled
// once, and the forward and force-backward chains (kernels around one cuBLAS GEMM per path) on given buffers.

import CUDA
import Equivariance
import EquivarianceCUDA

/// The first layer's conv output and its force backward without per-edge weights (``FactoredConvPlan``).
struct FactoredConvKernels {
    let plan: FactoredConvPlan
    let module: CUDAModule
    let scalar: KernelScalar
    /// The last radial layer's weight `[hidden, weightColumns]` in the scalar type (the layer's own buffer, or a
    /// float32 copy where the layer's is 16-bit).
    let lastWeight: DeviceBuffer

    init(
        plan: FactoredConvPlan, lastWeight: DeviceBuffer, context: CUDAContext, cache: KernelCache,
        scalar: KernelScalar
    ) throws {
        self.plan = plan
        self.scalar = scalar
        self.lastWeight = lastWeight
        let source = FactoredConvSource(plan: plan)
        module = try context.loadModule(KernelSource(name: "factored_conv.cu", code: source.code), cache: cache)
    }

    /// The buffers of one graph: the element moments Z (then dZ) `[nodes · elements · pairs, hidden]`, Q (then V)
    /// `[nodes · elements · pairs, channels]`, and the row of one node per element (`elementRows[s]`).
    struct Buffers {
        let moments: DeviceBuffer
        let products: DeviceBuffer
        let elementRows: DeviceBuffer
        let nodes: Int

        /// - Parameter elementRanges: the device rows of each element (nodes grouped by element); an element with
        ///   no node names row 0, which no edge then reads through.
        init(plan: FactoredConvPlan, nodes: Int, elementRanges: [Range<Int>], runner: GEMMRunner) throws {
            moments = try runner.buffer(plan.nodeBufferCount(nodes: nodes, width: plan.hidden))
            products = try runner.buffer(plan.nodeBufferCount(nodes: nodes, width: plan.channels))
            let rows = (0..<plan.elements).map { Int32(elementRanges.dropFirst($0).first?.first ?? 0) }
            elementRows = try DeviceBuffer(context: runner.context, copying: rows, stream: runner.stream)
            self.nodes = nodes
        }
    }

    func kernel(_ name: String) throws -> CUDAKernel { try module.kernel(named: name + "_" + scalar.suffix) }

    /// Address of the first row of path block `b` in a node buffer of `width` columns.
    func block(_ buffer: DeviceBuffer, _ b: Int, width: Int, _ f: Buffers) -> UInt64 {
        let rows = f.nodes * plan.elements * plan.blocks[b].pairs.lowerBound
        return buffer.address &+ UInt64(rows * width * scalar.byteSize)
    }

    /// The element moments of `receivers`' rows (`row0` the node of its first row) from the last radial layer's
    /// input `h` and the spherical harmonics `y` (per-edge rows at the CSR's edge IDs) into `f.moments`.
    func moments(
        receivers: DeviceEdgeCSR, row0: Int, elements: DeviceBuffer, h: UInt64, y: UInt64, _ f: Buffers,
        stream: CUDAStream
    ) throws {
        let rows = receivers.csr.rowCount
        guard rows > 0 else { return }
        try kernel("fc_moments").launch(
            grid: (rows, 1, 1), block: (plan.hidden, 1, 1), stream: stream,
            arguments: receivers.arguments + [
                .int32(Int32(row0)), .int32(Int32(f.nodes)), .buffer(elements), .pointer(h), .pointer(y),
                .buffer(f.moments),
            ])
    }

    /// `mid` of every node from the moments in `f.moments`: ``products(_:into:_:runner:)``, then
    /// ``combine(_:x1:mid:_:stream:)``.
    func output(x1: DeviceBuffer, mid: DeviceBuffer, _ f: Buffers, runner: GEMMRunner) throws {
        try products(f.moments, into: f.products, f, runner: runner)
        try combine(f.products, x1: x1, mid: mid.address, f, stream: runner.stream)
    }

    /// Per path `Q = Z · W_last[:, path]` (cuBLAS) from moments `z` into `q`.
    func products(_ z: DeviceBuffer, into q: DeviceBuffer, _ f: Buffers, runner: GEMMRunner) throws {
        try perPath(z, into: q, transposed: false, f, runner: runner)
    }

    /// `mid = Σ_terms c · Σ_s x1_s · Q` (every component of every node written).
    func combine(_ q: DeviceBuffer, x1: DeviceBuffer, mid: UInt64, _ f: Buffers, stream: CUDAStream) throws {
        try kernel("fc_output").launch(
            grid: (f.nodes, 1, 1), block: (plan.channels, 1, 1), stream: stream,
            arguments: [.int32(Int32(f.nodes)), .buffer(q), .buffer(x1), .buffer(f.elementRows), .pointer(mid)])
    }

    /// The backward's node part: `V` from `dmid` (``adjointsOfProducts(_:x1:into:_:stream:)``), then dZ
    /// (``momentAdjoints(_:into:_:runner:)``) into `f.moments`.
    func momentGradient(x1: DeviceBuffer, dmid: DeviceBuffer, _ f: Buffers, runner: GEMMRunner) throws {
        try adjointsOfProducts(dmid.address, x1: x1, into: f.products, f, stream: runner.stream)
        try momentAdjoints(f.products, into: f.moments, f, runner: runner)
    }

    /// `V = Σ_terms c · x1_s · dmid` (Q's adjoint) into `v`.
    func adjointsOfProducts(_ dmid: UInt64, x1: DeviceBuffer, into v: DeviceBuffer, _ f: Buffers, stream: CUDAStream)
        throws
    {
        try kernel("fc_v").launch(
            grid: (f.nodes, 1, 1), block: (plan.channels, 1, 1), stream: stream,
            arguments: [.int32(Int32(f.nodes)), .pointer(dmid), .buffer(x1), .buffer(f.elementRows), .buffer(v)])
    }

    /// Per path `Z̄ = V · W_last[:, path]ᵀ` (cuBLAS) into `zbar`.
    func momentAdjoints(_ v: DeviceBuffer, into zbar: DeviceBuffer, _ f: Buffers, runner: GEMMRunner) throws {
        try perPath(v, into: zbar, transposed: true, f, runner: runner)
    }

    /// One GEMM per path block with the path's columns of ``lastWeight``: `[rows, hidden] · W → [rows, channels]`,
    /// or `transposed`, `[rows, channels] · Wᵀ → [rows, hidden]`.
    private func perPath(
        _ a: DeviceBuffer, into c: DeviceBuffer, transposed: Bool, _ f: Buffers, runner: GEMMRunner
    ) throws {
        let (inner, outer) = transposed ? (plan.channels, plan.hidden) : (plan.hidden, plan.channels)
        for (b, block) in plan.blocks.enumerated() {
            try runner.gemm(
                m: f.nodes * plan.elements * block.pairs.count, n: outer, k: inner,
                a: GEMMOperand(address: self.block(a, b, width: inner, f), leadingDimension: inner),
                b: GEMMOperand(
                    address: columns(of: block.path, lastWeight.address), leadingDimension: plan.weightColumns),
                transposeB: transposed,
                c: GEMMOperand(address: self.block(c, b, width: outer, f), leadingDimension: outer),
                tf32: runner.half != nil)
        }
    }

    /// Address of path `path`'s first column in a `[hidden, weightColumns]` matrix at `matrix`.
    func columns(of path: Int, _ matrix: UInt64) -> UInt64 {
        matrix &+ UInt64(path * plan.channels * scalar.byteSize)
    }

    /// Per edge of `receivers`' rows: `dh` (d/d the last radial layer's input, `[·, hidden]`) and `dy` (d/dY,
    /// `[·, shCount]`), both overwritten, from dZ in `f.moments`.
    func edgeGradient(
        receivers: DeviceEdgeCSR, row0: Int, elements: DeviceBuffer, h: UInt64, y: UInt64, dh: UInt64, dy: UInt64,
        _ f: Buffers, stream: CUDAStream
    ) throws {
        let rows = receivers.csr.rowCount
        guard rows > 0 else { return }
        try kernel("fc_edge_gradient").launch(
            grid: (rows, 1, 1), block: (FactoredConvSource.edgeGradientThreads, 1, 1), stream: stream,
            arguments: receivers.arguments + [
                .int32(Int32(row0)), .int32(Int32(f.nodes)), .buffer(elements), .pointer(h), .pointer(y),
                .buffer(f.moments), .pointer(dh), .pointer(dy),
            ])
    }
}
