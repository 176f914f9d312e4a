// SwiftMACE, MIT licence.
// One energy + forces pass on the GPU: the forward (keeping the edge weights, the linear_up outputs, the messages
// and the MLP pre-activations), then the reverse pass w.r.t. positions only, all queued on one stream.

import CUDA
import Equivariance
import EquivarianceCUDA

/// What linears and skips launch through: the GEMM runner, the fill and conversion kernels, and under a 16-bit
/// policy the workspace's buffer their sources are rounded into; under ``PrecisionPolicy/bf16`` the addresses of the
/// buffers that hold 16-bit features and the float32 scratch of GEMMs that cannot write them directly.
struct ModelRun {
    let gemm: GEMMRunner
    let kernels: ModelKernels
    let halfScratch: DeviceBuffer?
    var halfFeatures: Set<UInt64> = []
    var floatScratch: DeviceBuffer? = nil

    func fill(_ buffer: DeviceBuffer, count: Int, value: Double) throws {
        try kernels.fill(buffer, count: count, value: value, stream: gemm.stream)
    }
}

extension CUDAMACEModel {
    func modelRun(_ w: Workspace) -> ModelRun {
        ModelRun(
            gemm: runner, kernels: kernels, halfScratch: w.halfScratch, halfFeatures: w.halfFeatures,
            floatScratch: w.halfFeatureScratch)
    }

    /// Queues a whole pass on the workspace's graph (positions already uploaded): node energies in
    /// `workspace.nodeEnergies`, forces (float64, device row order) in `workspace.forces`. Allocates nothing.
    func pass(_ w: Workspace, timer: BlockTimer?) throws {
        let run = modelRun(w)
        let (n, e) = (w.nodes, w.edges)
        try timer.measure("radial basis + SH") {
            try kernels.edgeEmbedding(
                edges: e, positions: w.positions, senders: w.senders, receivers: w.receivers, shifts: w.shifts,
                radial: radialParameters, vectors: w.vectors, sh: w.sh, features: w.radial, stream: stream)
        }
        try timer.measure("linear") { try embedding.forward(w.oneHot, w.embedding, rows: n, accumulate: false, run) }
        for (t, layer) in layers.enumerated() {
            try forward(layer: layer, index: t, w, timer: timer)
        }
        try timer.measure("readouts") { try readoutsForward(w) }
        try backward(w, timer: timer)
    }

    private func forward(layer: DeviceLayer, index t: Int, _ w: Workspace, timer: BlockTimer?) throws {
        let run = modelRun(w)
        let n = w.nodes
        let input = t == 0 ? w.embedding : w.features[t - 1]
        let ranges = w.layout.elementRanges
        let residualSum = layer.residual && layer.useSC
        if residualSum {
            try timer.measure("skip TP") {
                try layer.skip.forward(input, w.features[t], ranges: ranges, accumulate: false, run)
            }
        }
        try timer.measure("linear_up") { try layer.linearUp.forward(input, w.up[t], rows: n, accumulate: false, run) }
        try radialForward(layer: layer, index: t, w, timer: timer, stage: "radial MLP")
        try timer.measure(factors(t, w) ? "conv_tp forward (factored first layer)" : "conv_tp forward") {
            if factors(t, w) {
                try factoredConvForward(layer: layer, w)
            } else if let fused = fusedConv(t, w), let h = w.fusedConvInputs[t] {
                try fused.forward(
                    receivers: w.receiverCSR, h: h.address, x1: w.up[t].address, x2: w.sh.address, mid: w.mid.address,
                    stream: stream)
            } else if w.chunked {
                try chunkedConvForward(layer: layer, index: t, w)
            } else {
                try layer.conv.forward(
                    receivers: w.receiverCSR, weight: w.edgeWeights[t], x1: w.up[t], x2: w.sh, mid: w.mid,
                    scalar: scalar, stream: stream)
            }
        }
        try timer.measure("linear") {
            var run = run
            // A conv that forms its own edge weights wrote `mid` in the 16-bit type the linear reads.
            if fusedConv(t, w) != nil { run.halfFeatures.insert(w.mid.address) }
            try layer.linear.forward(w.mid, layer.residual ? w.messages[t] : w.preMessage, rows: n, accumulate: false, run)
        }
        if !layer.residual {
            try timer.measure("skip TP") {
                try layer.skip.forward(w.preMessage, w.messages[t], ranges: ranges, accumulate: false, run)
            }
        }
        try timer.measure("symmetric contraction") {
            try layer.contraction.forward(
                nodes: n, elements: w.elements, coefficients: layer.coefficients, x: w.messages[t], out: w.product,
                scalar: scalar, stream: stream)
        }
        try timer.measure("linear") {
            try layer.productLinear.forward(w.product, w.features[t], rows: n, accumulate: residualSum, run)
        }
    }

    /// The radial MLP of layer `t`: pre-activations kept for the backward, the output in `edgeWeights[t]`. With
    /// edge chunks the last layer is left to the chunks, which recompute its input from the kept pre-activations
    /// (the fused MLP runs wholly in the chunks: nothing here); with the factored conv it is never run, its input
    /// left in `mlpActivation`.
    /// Through the fused kernels where the model has them (``RadialMLPShape``; the last layer's GEMM timed as
    /// `stage + " last layer"`), else GEMMs and activation kernels, timed as `stage`.
    private func radialForward(
        layer: DeviceLayer, index t: Int, _ w: Workspace, timer: BlockTimer?, stage: String
    ) throws {
        if layer.hiddenWeights != nil {
            return try fusedRadialForward(layer: layer, index: t, w, timer: timer, stage: stage)
        }
        try timer.measure(stage) { try gemmRadialForward(layer: layer, index: t, w) }
    }

    private func gemmRadialForward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        if let half = runner.half, let x = w.halfEdgeInput {
            return try halfRadialForward(layer: layer, index: t, w, half: half, x: x)
        }
        let e = w.edges
        var x = w.radial
        for (k, mlp) in layer.radialMLP.enumerated() {
            let last = k == layer.radialMLP.count - 1
            if last && (w.chunked || factors(t, w)) { break }
            guard let z = w.preActivations[t][k] ?? w.edgeWeights.dropFirst(t).first else { break }
            try mlp.forward(
                rows: e, x: x.address, splitInput: w.splitActivation.map { x === $0 } ?? false, c: z.address, runner)
            guard let activation = mlp.activation else {
                x = z
                continue
            }
            let nextIsSplit = !last && layer.radialMLP[k + 1].splitWeight != nil
            if nextIsSplit, let splitInput = w.splitActivation {
                try kernels.splitActivation(
                    activation, z: z, split: splitInput, count: e * mlp.outputs, width: mlp.outputs,
                    scale: mlp.activationScale, stream: stream)
                x = splitInput
            } else {
                guard let out = last ? w.edgeWeights[t] : w.mlpActivation else { break }
                try kernels.activation(
                    activation, z: z, x: out, count: e * mlp.outputs, scale: mlp.activationScale, stream: stream)
                x = out
            }
        }
    }

    /// The radial MLP of layer `t` under a 16-bit policy: each layer's input rounded into `x` (the radial basis by a
    /// conversion kernel, hidden activations by the activation kernel), GEMMs with 16-bit operands and float32
    /// pre-activations, the last layer (no activation) writing the 16-bit edge weights.
    private func halfRadialForward(
        layer: DeviceLayer, index t: Int, _ w: Workspace, half: HalfStorage, x: DeviceBuffer
    ) throws {
        let e = w.edges
        try kernels.toHalf(w.radial, out: x, count: e * kernels.source.besselCount, half: half, stream: stream)
        for (k, mlp) in layer.radialMLP.enumerated() {
            let (a, b) = (
                GEMMOperand(address: x.address, leadingDimension: mlp.inputs),
                GEMMOperand(address: mlp.weight.address, leadingDimension: mlp.outputs)
            )
            guard let activation = mlp.activation, let z = w.preActivations[t][k] else {
                try runner.halfGEMM(
                    m: e, n: mlp.outputs, k: mlp.inputs, a: a, b: b,
                    c: GEMMOperand(address: w.edgeWeights[t].address, leadingDimension: mlp.outputs), halfOutput: true)
                continue
            }
            try runner.halfGEMM(
                m: e, n: mlp.outputs, k: mlp.inputs, a: a, b: b,
                c: GEMMOperand(address: z.address, leadingDimension: mlp.outputs))
            try kernels.activation(
                activation, z: z, half: x, count: e * mlp.outputs, scale: mlp.activationScale, storage: half,
                stream: stream)
        }
    }

    private func readoutsForward(_ w: Workspace) throws {
        let run = modelRun(w)
        let n = w.nodes
        for (r, readout) in readouts.enumerated() {
            let h = w.features[readout.featureLayer]
            if let (activation, scale, second) = readout.hidden, let pre = w.readoutPre[r] {
                try readout.first.forward(h, pre, rows: n, accumulate: false, run)
                try kernels.activation(
                    activation, z: pre, x: w.readoutHidden, count: n * readout.first.outputWidth, scale: scale,
                    stream: stream)
                try second.forward(w.readoutHidden, w.accumulated, rows: n, accumulate: r > 0, run)
            } else {
                try readout.first.forward(h, w.accumulated, rows: n, accumulate: r > 0, run)
            }
        }
        if readouts.isEmpty { try run.fill(w.accumulated, count: n, value: 0) }
        try kernels.nodeEnergy(
            nodes: n, elements: w.elements, e0: atomicEnergies, accumulated: w.accumulated, scale: energyScale,
            shift: energyShift, out: w.nodeEnergies, stream: stream)
    }

    /// Layer `t`'s conv that forms its own per-edge weights, where the workspace runs it.
    func fusedConv(_ t: Int, _ w: Workspace) -> FusedWeightConvolutionKernels? {
        w.fusedConvLayers.contains(t) ? layers[t].fusedConv : nil
    }

    /// Stage names of the backward start with this (the bench sums them as "force backward").
    static let backwardPrefix = "force backward: "

    /// d(Σ node energies)/d positions, written as forces.
    private func backward(_ w: Workspace, timer: BlockTimer?) throws {
        let prefix = Self.backwardPrefix, dense = prefix + "readouts, linears, skip TP, contraction"
        try timer.measure(dense) { try readoutsBackward(w) }
        for (t, layer) in layers.enumerated().reversed() {
            try timer.measure(dense) { try nodeBackward(layer: layer, index: t, w) }
            if w.chunked && t < layers.count - 1 {
                // The shared pre-activations hold the last layer's: recompute this layer's hidden MLP (the fused
                // MLP runs per chunk instead: nothing to do).
                try radialForward(layer: layer, index: t, w, timer: timer, stage: prefix + "radial MLP")
            }
            let convStage = factors(t, w) ? "conv_tp dY, dh (factored first layer)" : "conv_tp dR, dSH"
            try timer.measure(prefix + convStage) {
                if factors(t, w) {
                    try factoredConvBackward(layer: layer, w)
                } else if let fused = fusedConv(t, w), let h = w.fusedConvInputs[t], let terms = w.edgeUpGradient {
                    try fused.backward(
                        receivers: w.receiverCSR, edges: w.edges, h: h.address, x1: w.up[t].address, x2: w.sh.address,
                        dmid: w.midGradient.address, dweight: w.weightGradient.address, dx1Edges: terms.address,
                        dx2Slices: w.layerSHGradient.address, stream: stream)
                } else if w.chunked {
                    try chunkedConvBackward(layer: layer, index: t, w)
                } else if t > 0, let edgeUpGradient = w.edgeUpGradient {
                    try layer.conv.backwardWithEdgeDx1(
                        receivers: w.receiverCSR, weight: w.edgeWeights[t], x1: w.up[t], x2: w.sh,
                        dmid: w.midGradient, dweight: w.weightGradient, dx1Edges: edgeUpGradient,
                        dx2: w.layerSHGradient, scalar: scalar, stream: stream)
                } else {
                    try layer.conv.backward(
                        receivers: w.receiverCSR, weight: w.edgeWeights[t], x1: w.up[t], x2: w.sh,
                        dmid: w.midGradient, dweight: w.weightGradient, dx2: w.layerSHGradient, scalar: scalar,
                        stream: stream)
                }
                try kernels.add(
                    w.shGradient, w.layerSHGradient, count: w.edges * kernels.source.shCount,
                    parts: fusedConv(t, w)?.slices ?? 1, stream: stream)
            }
            // With edge chunks d/dx was summed chunk by chunk in the stage above.
            if t > 0 && !w.chunked {
                try timer.measure(prefix + "conv_tp dx (sender CSR)") {
                    if let edgeUpGradient = w.edgeUpGradient {
                        try layer.conv.senderSum(
                            senders: w.senderCSR, dx1Edges: edgeUpGradient, dx1: w.upGradient, scalar: scalar,
                            stream: stream)
                    } else {
                        try layer.conv.senderBackward(
                            senders: w.senderCSR, weight: w.edgeWeights[t], x2: w.sh, dmid: w.midGradient,
                            dx1: w.upGradient, scalar: scalar, stream: stream)
                    }
                }
            }
            if t > 0 {
                try timer.measure(dense) {
                    try layer.linearUp.backward(
                        w.upGradient, w.featureGradients[t - 1], rows: w.nodes, accumulate: true, modelRun(w))
                }
            }
            try radialBackward(layer: layer, index: t, w, timer: timer, stage: prefix + "radial MLP")
        }
        try timer.measure(prefix + "radial basis + SH, forces") {
            try kernels.edgeEmbeddingBackward(
                edges: w.edges, vectors: w.vectors, radial: radialParameters, gradientSH: w.shGradient,
                gradientRadial: w.radialGradient, gradientVectors: w.vectorGradients, stream: stream)
            try kernels.forces(
                nodes: w.nodes, receiverOffsets: w.receiverOffsets, senderOffsets: w.senderOffsets,
                senderEdgeIDs: w.senderEdgeIDs, gradientVectors: w.vectorGradients, forces: w.forces, stream: stream)
        }
    }

    /// Zeroes the accumulated gradients and seeds d/d(features) from the readouts (dE/d(readout sum) = scale).
    private func readoutsBackward(_ w: Workspace) throws {
        let run = modelRun(w)
        let (n, e) = (w.nodes, w.edges)
        for (t, layer) in layers.enumerated() {
            try run.fill(w.featureGradients[t], count: n * layer.outputWidth, value: 0)
        }
        try run.fill(w.shGradient, count: e * kernels.source.shCount, value: 0)
        try run.fill(w.radialGradient, count: e * kernels.source.besselCount, value: 0)
        try run.fill(w.energySeed, count: n, value: energyScale)
        for (r, readout) in readouts.enumerated() {
            let gh = w.featureGradients[readout.featureLayer]
            if let (activation, scale, second) = readout.hidden, let pre = w.readoutPre[r] {
                try second.backward(w.energySeed, w.readoutGradient, rows: n, accumulate: false, run)
                try kernels.activationBackward(
                    activation, z: pre, gradient: w.readoutGradient, count: n * readout.first.outputWidth, scale: scale,
                    stream: stream)
                try readout.first.backward(w.readoutGradient, gh, rows: n, accumulate: true, run)
            } else {
                try readout.first.backward(w.energySeed, gh, rows: n, accumulate: true, run)
            }
        }
    }

    /// Layer `t` from d/d(its output features) down to d/d(conv output) in `midGradient`; the residual skip's
    /// share goes straight into layer `t − 1`'s feature gradient.
    private func nodeBackward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        let run = modelRun(w)
        let n = w.nodes
        let gh = w.featureGradients[t]
        let ranges = w.layout.elementRanges
        try layer.productLinear.backward(gh, w.productGradient, rows: n, accumulate: false, run)
        if layer.residual && layer.useSC && t > 0 {
            try layer.skip.backward(gh, w.featureGradients[t - 1], ranges: ranges, accumulate: true, run)
        }
        try layer.contraction.backward(
            nodes: n, elements: w.elements, coefficients: layer.coefficients, x: w.messages[t],
            dout: w.productGradient, dx: w.messageGradient, scalar: scalar, stream: stream)
        var messageGradient = w.messageGradient
        if !layer.residual {
            try layer.skip.backward(w.messageGradient, w.preMessageGradient, ranges: ranges, accumulate: false, run)
            messageGradient = w.preMessageGradient
        }
        try layer.linear.backward(messageGradient, w.midGradient, rows: n, accumulate: false, run)
    }

    /// The radial MLP's gradient target of layer `k`'s input (the radial basis' gradient for `k = 0`; the two
    /// `mlpGradients` are one buffer when the MLP is fused, which uses only the last layer's).
    func radialInputGradient(_ k: Int, _ w: Workspace) -> DeviceBuffer {
        k == 0 ? w.radialGradient : w.mlpGradients[k % 2]
    }

    /// The radial MLP's input gradient from `weightGradient` (d/d conv weights), added into `radialGradient`. With
    /// edge chunks the last layer's step was done per chunk; this continues from its result (the fused MLP's
    /// whole backward was done per chunk).
    private func radialBackward(
        layer: DeviceLayer, index t: Int, _ w: Workspace, timer: BlockTimer?, stage: String
    ) throws {
        if layer.hiddenWeights != nil {
            return try fusedRadialBackward(layer: layer, index: t, w, timer: timer, stage: stage)
        }
        try timer.measure(stage) { try gemmRadialBackward(layer: layer, index: t, w) }
    }

    private func gemmRadialBackward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        if let half = runner.half, let x = w.halfEdgeInput {
            return try halfRadialBackward(layer: layer, index: t, w, half: half, x: x)
        }
        let e = w.edges
        let count = layer.radialMLP.count
        // With edge chunks or the factored conv, the last layer's step is done (its input gradient is there).
        let skipsLast = w.chunked || factors(t, w)
        var gradient = skipsLast ? radialInputGradient(count - 1, w) : w.weightGradient
        for (k, mlp) in layer.radialMLP.enumerated().reversed() where !(skipsLast && k == count - 1) {
            if let activation = mlp.activation, let z = w.preActivations[t][k] {
                try kernels.activationBackward(
                    activation, z: z, gradient: gradient, count: e * mlp.outputs, scale: mlp.activationScale,
                    stream: stream)
            }
            let target = radialInputGradient(k, w)
            try runner.gemm(
                m: e, n: mlp.inputs, k: mlp.outputs, a: GEMMOperand(address: gradient.address, leadingDimension: mlp.outputs),
                b: GEMMOperand(address: mlp.weight.address, leadingDimension: mlp.outputs), transposeB: true,
                c: GEMMOperand(address: target.address, leadingDimension: mlp.inputs), beta: k == 0 ? 1 : 0)
            gradient = target
        }
    }

    /// ``gemmRadialBackward(layer:index:_:)`` under a 16-bit policy: from the 16-bit `weightGradient` (written by the
    /// conv backward), each hidden layer's gradient times the activation derivative rounded into `x`, GEMMs with
    /// 16-bit operands and float32 outputs.
    private func halfRadialBackward(
        layer: DeviceLayer, index t: Int, _ w: Workspace, half: HalfStorage, x: DeviceBuffer
    ) throws {
        let e = w.edges
        var gradient = w.weightGradient
        for (k, mlp) in layer.radialMLP.enumerated().reversed() {
            if let activation = mlp.activation, let z = w.preActivations[t][k] {
                try kernels.activationBackward(
                    activation, z: z, gradient: gradient, half: x, count: e * mlp.outputs, scale: mlp.activationScale,
                    storage: half, stream: stream)
                gradient = x
            }
            let target = radialInputGradient(k, w)
            try runner.halfGEMM(
                m: e, n: mlp.inputs, k: mlp.outputs,
                a: GEMMOperand(address: gradient.address, leadingDimension: mlp.outputs),
                b: GEMMOperand(address: mlp.weight.address, leadingDimension: mlp.outputs), transposeB: true,
                c: GEMMOperand(address: target.address, leadingDimension: mlp.inputs), beta: k == 0 ? 1 : 0)
            gradient = target
        }
    }
}
