// SwiftMACE, MIT licence.
// The factored first conv in the training pass (reverse over the dual forward): the moments and their tangents,
// then per path the adjoints of the last radial layer's weight, of its per-edge input and of the elements' x1.

import CUDA
import Equivariance
import EquivarianceCUDA

extension FactoredConvKernels {
    /// Training buffers of one graph, next to ``Buffers`` (which hold Z and Q, then V): Ż, Z̄, Ż̄ (moments size),
    /// Q̇ then V̇ (products size), the tangent of the last radial layer's input `[E, hidden]`, the float64 partials of
    /// x̄1 and one path's `[hidden, channels]` weight-gradient block.
    struct TrainingBuffers {
        let momentTangents: DeviceBuffer
        let momentAdjoints: DeviceBuffer
        let momentTangentAdjoints: DeviceBuffer
        let productTangents: DeviceBuffer
        let inputTangent: DeviceBuffer
        let x1Partials: DeviceBuffer
        let weightBlock: DeviceBuffer

        /// Node blocks of the x̄1 partial sums.
        static let x1Blocks = 256

        init(plan: FactoredConvPlan, nodes: Int, edges: Int, runner: GEMMRunner) throws {
            let moments = plan.nodeBufferCount(nodes: nodes, width: plan.hidden)
            momentTangents = try runner.buffer(moments)
            momentAdjoints = try runner.buffer(moments)
            momentTangentAdjoints = try runner.buffer(moments)
            productTangents = try runner.buffer(plan.nodeBufferCount(nodes: nodes, width: plan.channels))
            inputTangent = try runner.buffer(edges * plan.hidden)
            x1Partials = try DeviceBuffer(
                context: runner.context, byteCount: Self.x1Blocks * plan.elements * plan.x1Width * 8,
                stream: runner.stream)
            weightBlock = try runner.buffer(plan.hidden * plan.channels)
        }
    }

    /// The dual forward: Z and Ż from `h`, `ḣ` (`t.inputTangent`), Y, Ẏ; Q and Q̇ per path; `mid` and its tangent
    /// (the stacked buffer's two blocks at `mid`, `midTangent`).
    func dualForward(
        receivers: DeviceEdgeCSR, elements: DeviceBuffer, h: UInt64, y: UInt64, yTangent: UInt64,
        x1: DeviceBuffer, mid: UInt64, midTangent: UInt64, _ f: Buffers,
        _ t: TrainingBuffers, runner: GEMMRunner
    ) throws {
        if receivers.csr.rowCount > 0 {
            try kernel("fc_moments_dual").launch(
                grid: (receivers.csr.rowCount, 1, 1), block: (plan.hidden, 1, 1), stream: runner.stream,
                arguments: receivers.arguments + [
                    .int32(0), .int32(Int32(f.nodes)), .buffer(elements), .pointer(h), .buffer(t.inputTangent),
                    .pointer(y), .pointer(yTangent), .buffer(f.moments), .buffer(t.momentTangents),
                ])
        }
        for (z, q, out) in [(f.moments, f.products, mid), (t.momentTangents, t.productTangents, midTangent)] {
            try products(z, into: q, f, runner: runner)
            try combine(q, x1: x1, mid: out, f, stream: runner.stream)
        }
    }

    /// The reverse of ``dualForward``, from the adjoints of `mid` and of its tangent: x̄1 added into the rows of
    /// `upGradient` named by `f.elementRows` (zeroed by the caller), the last radial layer's weight gradient into
    /// `weightGradient` (`[hidden, weightColumns]`, overwritten), and per edge `h̄`, `ḣ̄` into `inputAdjoint`,
    /// `inputTangentAdjoint`.
    func dualBackward(
        receivers: DeviceEdgeCSR, elements: DeviceBuffer, y: UInt64, yTangent: UInt64, x1: DeviceBuffer,
        dmid: UInt64, dmidTangent: UInt64, upGradient: DeviceBuffer, weightGradient: UInt64,
        inputAdjoint: UInt64, inputTangentAdjoint: UInt64,
        threeTF32: (kernel: WeightGradientKernel, partials: DeviceBuffer)?, _ f: Buffers, _ t: TrainingBuffers,
        runner: GEMMRunner
    ) throws {
        let stream = runner.stream
        try kernel("fc_x1_partials").launch(
            grid: (plan.elements, TrainingBuffers.x1Blocks, 1), block: (plan.channels, 1, 1), stream: stream,
            arguments: [
                .int32(Int32(f.nodes)), .buffer(f.products), .buffer(t.productTangents), .pointer(dmid),
                .pointer(dmidTangent), .buffer(t.x1Partials),
            ])
        try kernel("fc_x1_sum").launch(
            grid: (1, 1, 1), block: (plan.x1Width, 1, 1), stream: stream,
            arguments: [
                .int32(Int32(TrainingBuffers.x1Blocks)), .buffer(t.x1Partials), .buffer(f.elementRows),
                .buffer(upGradient),
            ])
        let pairs = [
            (m: dmid, v: f.products, z: f.moments, zbar: t.momentAdjoints),
            (m: dmidTangent, v: t.productTangents, z: t.momentTangents, zbar: t.momentTangentAdjoints),
        ]
        for pair in pairs {
            try adjointsOfProducts(pair.m, x1: x1, into: pair.v, f, stream: stream)
            try momentAdjoints(pair.v, into: pair.zbar, f, runner: runner)
        }
        try weightGradientOfProducts(
            pairs.map { ($0.z, $0.v) }, into: weightGradient, threeTF32: threeTF32, f, t, runner: runner)
        guard receivers.csr.rowCount > 0 else { return }
        try kernel("fc_edge_adjoint").launch(
            grid: (receivers.csr.rowCount, 1, 1), block: (FactoredConvSource.edgeGradientThreads, 1, 1),
            stream: stream,
            arguments: receivers.arguments + [
                .int32(0), .int32(Int32(f.nodes)), .buffer(elements), .pointer(y), .pointer(yTangent),
                .buffer(t.momentAdjoints), .buffer(t.momentTangentAdjoints), .pointer(inputAdjoint),
                .pointer(inputTangentAdjoint),
            ])
    }

    /// `W̄[:, path] = Σ_pairs Zᵀ · V` per path: 3xTF32 with float64 partials (``WeightGradientKernel``) into the
    /// `[hidden, channels]` block, then copied into the path's columns; cuBLAS where that kernel does not fit.
    private func weightGradientOfProducts(
        _ pairs: [(z: DeviceBuffer, v: DeviceBuffer)], into gradient: UInt64,
        threeTF32: (kernel: WeightGradientKernel, partials: DeviceBuffer)?, _ f: Buffers, _ t: TrainingBuffers,
        runner: GEMMRunner
    ) throws {
        let (h, c) = (plan.hidden, plan.channels)
        for (b, block) in plan.blocks.enumerated() {
            let rows = f.nodes * plan.elements * block.pairs.count
            let operands = pairs.map { (a: self.block($0.z, b, width: h, f), b: self.block($0.v, b, width: c, f)) }
            let target = columns(of: block.path, gradient)
            if let threeTF32, rows > 0,
                WeightGradientKernel.fits(inputs: h, outputs: c, addresses: operands.flatMap { [$0.a, $0.b] })
            {
                try threeTF32.kernel.run(
                    rows: rows, m: h, n: c, pairs: operands, c: t.weightBlock.address, partials: threeTF32.partials,
                    stream: runner.stream)
                try kernel("fc_copy_block").launch(
                    grid: ((h * c + 255) / 256, 1, 1), block: (256, 1, 1), stream: runner.stream,
                    arguments: [
                        .int32(Int32(h)), .int32(Int32(c)), .buffer(t.weightBlock), .pointer(target),
                        .int32(Int32(plan.weightColumns)),
                    ])
                continue
            }
            for (operand, beta) in zip(operands, [0.0, 1.0]) {
                try runner.gemm(
                    m: h, n: c, k: rows, a: GEMMOperand(address: operand.a, leadingDimension: h), transposeA: true,
                    b: GEMMOperand(address: operand.b, leadingDimension: c),
                    c: GEMMOperand(address: target, leadingDimension: plan.weightColumns), beta: beta)
            }
        }
    }
}
