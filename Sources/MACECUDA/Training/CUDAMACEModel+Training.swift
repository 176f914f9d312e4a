// SwiftMACE, MIT licence.
// The parameter gradient of an energy + force loss on the GPU, reverse over forward: a forward pass on (value,
// tangent) pairs, the tangent being the positions' direction δ = −∂L/∂F, then one reverse pass over it with respect to
// the weights only. Derivatives of the equivariant ops are generated kernels of rewritten polynomials.

import Atoms
import CUDA
import Equivariance
import EquivarianceCUDA
import MACE

extension CUDAMACEModel {
    /// The gradient of `J = Σ_g c_g E_g + Σ_i v_i · F_i` with respect to every trainable parameter, for the graph last
    /// passed to ``evaluate(_:computeStress:)``, whose pass this reuses and uses up (its edge weights' memory takes
    /// their adjoints): evaluate again before the next gradient. Flat, row-major, in `model.parameterNames` order and
    /// the shapes of `model.parameterValues`.
    ///
    /// With c = ∂L/∂E and v = ∂L/∂F this is the loss gradient: since F = −∂E/∂x, `Σ v·F` is minus the energy's
    /// derivative along v, so the pass runs the model on (value, tangent) pairs along δ = −v and reverses that once.
    /// - Parameters:
    ///   - energyCotangents: c, one per graph of the batch.
    ///   - forceCotangents: v, one per atom, in the graph's node order.
    /// - Throws: `CUDAError.invalidArgument` when the graph is not the last one evaluated, the counts are wrong, or the
    ///   model's policy or options have no training pass (float64 and float32 without edge chunks do).
    public func parameterGradients(
        _ graph: AtomicGraph, energyCotangents: [Double], forceCotangents: [SIMD3<Double>]
    ) throws -> [[Double]] {
        guard precision == .float64 || precision == .float32, edgeChunk == nil else {
            throw CUDAError.invalidArgument(
                "GPU training runs with precision float64 or float32 and no edge chunks; this model runs "
                    + "\(precision.rawValue)\(edgeChunk.map { " with edge chunks of \($0)" } ?? "")")
        }
        guard energyCotangents.count == graph.numGraphs, forceCotangents.count == graph.numNodes else {
            throw CUDAError.invalidArgument(
                "parameterGradients: \(energyCotangents.count) energy and \(forceCotangents.count) force cotangents for "
                    + "\(graph.numGraphs) graphs and \(graph.numNodes) atoms")
        }
        guard let w = cached, w.nodes == graph.numNodes, w.edges == graph.numEdges else {
            throw CUDAError.invalidArgument("parameterGradients: evaluate this graph first (its pass is reused)")
        }
        let gradients = try queueTrainingPass(w, energyCotangents: energyCotangents, forceCotangents: forceCotangents,
                                              graph: graph, timer: nil)
        return try gradients.download(self)
    }

    /// Uploads the seeds and queues the dual forward and its reverse on the workspace of the last evaluation, whose
    /// edge values it consumes: the next training pass needs another evaluation first.
    func queueTrainingPass(
        _ w: Workspace, energyCotangents: [Double], forceCotangents: [SIMD3<Double>], graph: AtomicGraph,
        timer: BlockTimer?
    ) throws -> ParameterGradientBuffers {
        guard w.holdsPassValues else {
            throw CUDAError.invalidArgument(
                "parameterGradients: evaluate this graph first (each gradient reuses, and uses up, one evaluation's pass)")
        }
        w.holdsPassValues = false
        let layout = w.layout
        let t: TrainingWorkspace
        if let existing = trainingCache, existing.layout == layout, (existing.factored != nil) == (w.factored != nil) {
            t = existing
        } else {
            trainingCache = nil
            t = try TrainingWorkspace(layout: layout, model: self)
            trainingCache = t
        }
        let gradients = try gradientBuffers()
        let seeds = layout.nodeOrder.map { energyScale * energyCotangents[Int(graph.batch[$0])] }
            + [Double](repeating: energyScale, count: graph.numNodes)
        try runner.overwrite(t.seed, with: seeds)
        try t.delta.copy(from: layout.deviceRows(forceCotangents.map { -$0 }), stream: stream)
        try modelRun(w).fill(gradients.arena, count: gradients.count, value: 0)
        try timer.measure("train forward (all)") { try dualForward(w, t, timer: timer) }
        try timer.measure("train reverse (all)") { try dualReverse(w, t, gradients, timer: timer) }
        return gradients
    }

    // MARK: - Dual forward

    /// The weight-gradient buffers, allocated on first use.
    private func gradientBuffers() throws -> ParameterGradientBuffers {
        if let existing = parameterGradientBuffers { return existing }
        let buffers = try ParameterGradientBuffers(model: self)
        parameterGradientBuffers = buffers
        return buffers
    }

    /// Ranges of each element's rows in both stacked blocks.
    func stackedRanges(_ w: Workspace) -> [Range<Int>] {
        let ranges = w.layout.elementRanges
        return ranges + ranges.map { ($0.lowerBound + w.nodes)..<($0.upperBound + w.nodes) }
    }

    private func dualForward(_ w: Workspace, _ t: TrainingWorkspace, timer: BlockTimer?) throws {
        let run = modelRun(w)
        let (n, e) = (w.nodes, w.edges)
        try timer.measure("train forward: edge tangent") {
            try kernels.edgeTangent(
                edges: e, vectors: w.vectors, senders: w.senders, receivers: w.receivers, delta: t.delta,
                radial: radialParameters, shTangent: t.shTangent, radialStack: t.radial, stream: stream)
        }
        try embedding.forward(t.oneHot, t.embedding, rows: 2 * n, accumulate: false, run)
        let ranges = stackedRanges(w)
        for (index, layer) in layers.enumerated() {
            let input = index == 0 ? t.embedding : t.features[index - 1]
            let residualSum = layer.residual && layer.useSC
            if residualSum {
                try layer.skip.forward(input, t.features[index], ranges: ranges, accumulate: false, run)
            }
            try layer.linearUp.forward(input, t.up[index], rows: 2 * n, accumulate: false, run)
            try timer.measure("train forward: radial MLP") {
                try dualRadialForward(layer: layer, index: index, w, t)
            }
            let (up, mid) = (t.up[index], t.mid[index])
            try timer.measure("train forward: conv_tp") {
                if factors(index, w) { return try factoredDualForward(layer: layer, w, t) }
                try layer.conv.dualForward(
                    receivers: w.receiverCSR, weight: w.edgeWeights[index].address,
                    weightTangent: t.weightTangent(index, w),
                    x1: up.address, x1Tangent: tangent(up, n * layer.upWidth), x2: w.sh.address,
                    x2Tangent: t.shTangent.address, mid: mid.address, midTangent: tangent(mid, n * layer.midWidth),
                    scalar: scalar, stream: stream)
            }
            let message = t.messages[index]
            if let preMessage = t.preMessages[index] {
                try layer.linear.forward(mid, preMessage, rows: 2 * n, accumulate: false, run)
                try layer.skip.forward(preMessage, message, ranges: ranges, accumulate: false, run)
            } else {
                try layer.linear.forward(mid, message, rows: 2 * n, accumulate: false, run)
            }
            let product = t.products[index]
            try timer.measure("train forward: symmetric contraction") {
                try layer.contraction.dualForward(
                    nodes: n, elements: w.elements.address, coefficients: layer.coefficients.address, x: message.address,
                    xTangent: tangent(message, n * layer.messageWidth), out: product.address,
                    outTangent: tangent(product, n * layer.productWidth), scalar: scalar, stream: stream)
            }
            try layer.productLinear.forward(product, t.features[index], rows: 2 * n, accumulate: residualSum, run)
        }
        for (r, readout) in readouts.enumerated() {
            guard let (activation, scale, _) = readout.hidden, let pre = t.readoutPre[r], let hidden = t.readoutHidden[r]
            else { continue }
            try readout.first.forward(t.features[readout.featureLayer], pre, rows: 2 * n, accumulate: false, run)
            try kernels.dualActivation(
                activation, z: pre, x: hidden, count: n * readout.first.outputWidth, scale: scale, stream: stream)
        }
    }

    /// The address of the tangent block of a stacked buffer whose value block holds `count` scalars.
    func tangent(_ buffer: DeviceBuffer, _ count: Int) -> UInt64 { tangent(buffer.address, count) }

    /// The same for a stacked block at `address`.
    func tangent(_ address: UInt64, _ count: Int) -> UInt64 { address &+ UInt64(count * scalar.byteSize) }

    // MARK: - Reverse

    private func dualReverse(
        _ w: Workspace, _ t: TrainingWorkspace, _ d: ParameterGradientBuffers, timer: BlockTimer?
    ) throws {
        let run = modelRun(w)
        let n = w.nodes
        let ranges = stackedRanges(w)
        for (index, layer) in layers.enumerated() {
            try run.fill(t.featureGradients[index], count: 2 * n * layer.outputWidth, value: 0)
        }
        try run.fill(t.embeddingGradient, count: 2 * n * embedding.outputWidth, value: 0)
        for (r, readout) in readouts.enumerated() {
            let h = t.features[readout.featureLayer], gh = t.featureGradients[readout.featureLayer]
            if let (activation, scale, second) = readout.hidden, let pre = t.readoutPre[r],
                let hidden = t.readoutHidden[r], let secondGradient = d.readouts[r].second
            {
                try second.gemms.weightGradient(
                    hidden, t.seed, ranges: [0..<(2 * n)], into: d.addresses(secondGradient), run)
                try second.backward(t.seed, t.readoutGradient, rows: 2 * n, accumulate: false, run)
                try kernels.dualActivationBackward(
                    activation, z: pre, gradient: t.readoutGradient, count: n * readout.first.outputWidth, scale: scale,
                    stream: stream)
                try readout.first.gemms.weightGradient(
                    h, t.readoutGradient, ranges: [0..<(2 * n)], into: d.addresses(d.readouts[r].first), run)
                try readout.first.backward(t.readoutGradient, gh, rows: 2 * n, accumulate: true, run)
            } else {
                try readout.first.gemms.weightGradient(
                    h, t.seed, ranges: [0..<(2 * n)], into: d.addresses(d.readouts[r].first), run)
                try readout.first.backward(t.seed, gh, rows: 2 * n, accumulate: true, run)
            }
        }
        for (index, layer) in layers.enumerated().reversed() {
            let input = index == 0 ? t.embedding : t.features[index - 1]
            let inputGradient = index == 0 ? t.embeddingGradient : t.featureGradients[index - 1]
            let gh = t.featureGradients[index], g = d.layers[index]
            try layer.productLinear.gemms.weightGradient(
                t.products[index], gh, ranges: [0..<(2 * n)], into: d.addresses(g.productLinear), run)
            try layer.productLinear.backward(gh, t.productGradient, rows: 2 * n, accumulate: false, run)
            if layer.residual && layer.useSC {
                try layer.skip.gemms.weightGradient(input, gh, ranges: ranges, into: d.addresses(g.skip), run)
                try layer.skip.backward(gh, inputGradient, ranges: ranges, accumulate: true, run)
            }
            let message = t.messages[index]
            try timer.measure("train reverse: symmetric contraction") {
                try layer.contraction.dualBackward(
                    nodes: n, elements: w.elements.address, coefficients: layer.coefficients.address, x: message.address,
                    xTangent: tangent(message, n * layer.messageWidth), dout: t.productGradient.address,
                    doutTangent: tangent(t.productGradient, n * layer.productWidth), dx: t.messageGradient.address,
                    dxTangent: tangent(t.messageGradient, n * layer.messageWidth), scalar: scalar, stream: stream)
            }
            try timer.measure("train reverse: symmetric contraction dW") {
                try contractionWeightGradient(layer: layer, index: index, w, t, into: d.address(g.contraction))
            }
            var messageGradient = t.messageGradient
            if let preMessage = t.preMessages[index] {
                try layer.skip.gemms.weightGradient(
                    preMessage, t.messageGradient, ranges: ranges, into: d.addresses(g.skip), run)
                try layer.skip.backward(t.messageGradient, t.preMessageGradient, ranges: ranges, accumulate: false, run)
                messageGradient = t.preMessageGradient
            }
            try layer.linear.gemms.weightGradient(
                t.mid[index], messageGradient, ranges: [0..<(2 * n)], into: d.addresses(g.linear), run)
            try layer.linear.backward(messageGradient, t.midGradient, rows: 2 * n, accumulate: false, run)
            if factors(index, w) {
                try timer.measure("train reverse: conv_tp dR, per-edge dx") {
                    try factoredDualBackward(layer: layer, w, t, weightGradient: d.addresses(g.radial).last ?? 0)
                }
            } else {
                try dualConvBackward(layer: layer, index: index, w, t, timer: timer)
            }
            try layer.linearUp.gemms.weightGradient(
                input, t.upGradient, ranges: [0..<(2 * n)], into: d.addresses(g.linearUp), run)
            try layer.linearUp.backward(t.upGradient, inputGradient, rows: 2 * n, accumulate: true, run)
            try timer.measure("train reverse: radial MLP + dW") {
                try dualRadialBackward(layer: layer, index: index, w, t, into: d.addresses(g.radial), timer: timer)
            }
        }
        try embedding.gemms.weightGradient(
            t.oneHot, t.embeddingGradient, ranges: [0..<(2 * n)], into: d.addresses(d.embedding), run)
    }

    /// conv_tp's reverse over its dual forward. The per-edge weights' adjoints are written over the weights and their
    /// tangents, which nothing reads after (the adjoints need no buffers of their own). With the per-edge buffer one
    /// receiver-CSR kernel writes them and each edge's terms of the sender features' adjoints, summed over the sender
    /// CSR; without it the sender-CSR kernel (which gathers the conv outputs' adjoints per edge) runs first, as it reads
    /// the weights, then the receiver-CSR weight adjoints.
    private func dualConvBackward(
        layer: DeviceLayer, index: Int, _ w: Workspace, _ t: TrainingWorkspace, timer: BlockTimer?
    ) throws {
        let (n, e) = (w.nodes, w.edges)
        let (up, weights, weightTangent) = (t.up[index], w.edgeWeights[index], t.weightTangent(index, w))
        let dmidTangent = tangent(t.midGradient, n * layer.midWidth)
        let upGradientTangent = tangent(t.upGradient, n * layer.upWidth)
        if let terms = t.edgeFeatureAdjoints {
            let termsTangent = tangent(terms, e * layer.upWidth)
            try timer.measure("train reverse: conv_tp dR, per-edge dx") {
                try layer.conv.dualBackwardInPlace(
                    receivers: w.receiverCSR, weight: weights.address, weightTangent: weightTangent, x1: up.address,
                    x1Tangent: tangent(up, n * layer.upWidth), x2: w.sh.address, x2Tangent: t.shTangent.address,
                    dmid: t.midGradient.address, dmidTangent: dmidTangent, dx1Edges: terms.address,
                    dx1EdgesTangent: termsTangent, scalar: scalar, stream: stream)
            }
            try timer.measure("train reverse: conv_tp dx sums") {
                for (edgeTerms, target) in [(terms.address, t.upGradient.address), (termsTangent, upGradientTangent)] {
                    try layer.conv.senderSum(
                        senders: w.senderCSR, dx1Edges: edgeTerms, dx1: target, scalar: scalar, stream: stream)
                }
            }
            return
        }
        try timer.measure("train reverse: conv_tp dx") {
            try layer.conv.dualSenderBackward(
                senders: w.senderCSR, weight: weights.address, weightTangent: weightTangent, x2: w.sh.address,
                x2Tangent: t.shTangent.address, dmid: t.midGradient.address, dmidTangent: dmidTangent,
                dx1: t.upGradient.address, dx1Tangent: upGradientTangent, scalar: scalar, stream: stream)
        }
        try timer.measure("train reverse: conv_tp dR") {
            try layer.conv.dualWeightBackward(
                receivers: w.receiverCSR, x1: up.address, x1Tangent: tangent(up, n * layer.upWidth), x2: w.sh.address,
                x2Tangent: t.shTangent.address, dmid: t.midGradient.address, dmidTangent: dmidTangent,
                dweight: weights.address, dweightTangent: weightTangent, scalar: scalar, stream: stream)
        }
    }

    /// The contraction's weight gradient: per node from the generated kernel, summed over each element's rows by a
    /// GEMM with a ones vector, into `[n_el, columns · C]`.
    private func contractionWeightGradient(
        layer: DeviceLayer, index: Int, _ w: Workspace, _ t: TrainingWorkspace, into gradient: UInt64
    ) throws {
        let n = w.nodes
        let message = t.messages[index]
        try layer.contraction.dualWeightGradient(
            nodes: n, x: message.address, xTangent: tangent(message, n * layer.messageWidth),
            dout: t.productGradient.address, doutTangent: tangent(t.productGradient, n * layer.productWidth),
            gradient: t.contractionNodeGradient.address, scalar: scalar, stream: stream)
        let width = layer.contraction.source.plan.weightColumns.count * layer.contraction.source.plan.channels
        let size = scalar.byteSize
        for (element, range) in w.layout.elementRanges.enumerated() where !range.isEmpty {
            try runner.gemm(
                m: 1, n: width, k: range.count, a: GEMMOperand(address: t.ones.address, leadingDimension: range.count),
                b: GEMMOperand(
                    address: t.contractionNodeGradient.address &+ UInt64(range.lowerBound * width * size),
                    leadingDimension: width),
                c: GEMMOperand(address: gradient &+ UInt64(element * width * size), leadingDimension: width))
        }
    }
}
