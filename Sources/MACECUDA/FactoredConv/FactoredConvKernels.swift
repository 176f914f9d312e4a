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

    init(plan: FactoredConvPlan, context: CUDAContext, cache: KernelCache, scalar: KernelScalar) throws {
        self.plan = plan
        self.scalar = scalar
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

    private func kernel(_ name: String) throws -> CUDAKernel { try module.kernel(named: name + "_" + scalar.suffix) }

    /// Address of the first row of path block `b` in a node buffer of `width` columns.
    private func block(_ buffer: DeviceBuffer, _ b: Int, width: Int, _ f: Buffers) -> UInt64 {
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

    /// `mid` of every node from the moments: per path `Q = Z · W_last[:, path]` (cuBLAS), then the terms with the
    /// elements' linear_up rows `x1`.
    func output(lastWeight: DeviceBuffer, x1: DeviceBuffer, mid: DeviceBuffer, _ f: Buffers, runner: GEMMRunner) throws {
        let (h, c) = (plan.hidden, plan.channels)
        let weights = plan.weightColumns
        for (b, block) in plan.blocks.enumerated() {
            try runner.gemm(
                m: f.nodes * plan.elements * block.pairs.count, n: c, k: h,
                a: GEMMOperand(address: self.block(f.moments, b, width: h, f), leadingDimension: h),
                b: GEMMOperand(
                    address: lastWeight.address &+ UInt64(block.path * c * scalar.byteSize), leadingDimension: weights),
                c: GEMMOperand(address: self.block(f.products, b, width: c, f), leadingDimension: c))
        }
        try kernel("fc_output").launch(
            grid: (f.nodes, 1, 1), block: (c, 1, 1), stream: runner.stream,
            arguments: [.int32(Int32(f.nodes)), .buffer(f.products), .buffer(x1), .buffer(f.elementRows), .buffer(mid)])
    }

    /// The backward's node part: `V` from `dmid`, then per path `dZ = V · W_last[:, path]ᵀ` into `f.moments`.
    func momentGradient(
        lastWeight: DeviceBuffer, x1: DeviceBuffer, dmid: DeviceBuffer, _ f: Buffers, runner: GEMMRunner
    ) throws {
        let (h, c) = (plan.hidden, plan.channels)
        try kernel("fc_v").launch(
            grid: (f.nodes, 1, 1), block: (c, 1, 1), stream: runner.stream,
            arguments: [.int32(Int32(f.nodes)), .buffer(dmid), .buffer(x1), .buffer(f.elementRows), .buffer(f.products)])
        for (b, block) in plan.blocks.enumerated() {
            try runner.gemm(
                m: f.nodes * plan.elements * block.pairs.count, n: h, k: c,
                a: GEMMOperand(address: self.block(f.products, b, width: c, f), leadingDimension: c),
                b: GEMMOperand(
                    address: lastWeight.address &+ UInt64(block.path * c * scalar.byteSize),
                    leadingDimension: plan.weightColumns),
                transposeB: true,
                c: GEMMOperand(address: self.block(f.moments, b, width: h, f), leadingDimension: h))
        }
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
