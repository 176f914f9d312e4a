// SwiftMACE, MIT licence.
// The factored first conv in the energy + forces pass: when it applies (FactoredConvPlan), layer 0's radial MLP
// stops at its last layer's input and the conv output and its force backward come from per-receiver moments.

import CUDA
import Equivariance
import EquivarianceCUDA
import MACE

extension CUDAMACEModel {
    /// The factored conv of the model's first layer, or nil where it does not apply: the `bf16` policy (its x1 and
    /// conv output are 16-bit storage), a radial MLP without a hidden layer, with a hidden layer without activation
    /// or with an activation after its last layer, a last layer whose input only exists split (3xTF32) or in 16
    /// bits (the GEMM chains under float32 and the 16-bit policies; the fused kernels write it plain), more than
    /// ``FactoredConvPlan/maxElements`` elements, or a conv the plan cannot express. Under the 16-bit policies
    /// the last radial layer's weight is uploaded once more in float32 for the per-node GEMMs (float32 arithmetic).
    static func factoredConv(
        _ layer: DeviceLayer?, _ interaction: InteractionLayer?, elements: Int, runner: GEMMRunner, cache: KernelCache
    ) throws -> FactoredConvKernels? {
        let precision = runner.precision
        guard let layer, let interaction, !precision.storesFeaturesInHalf, layer.radialMLP.count >= 2,
            let last = layer.radialMLP.last, last.activation == nil,
            layer.radialMLP.dropLast().allSatisfy({ $0.activation != nil }),
            layer.hiddenWeights != nil || (last.splitWeight == nil && precision.halfStorage == nil),
            let plan = FactoredConvPlan(
                polynomial: layer.conv.source.forwardPolynomial, hidden: last.inputs, elements: elements),
            plan.shCount <= 32, plan.channels <= 1024, plan.hidden <= 1024, plan.x1Width <= 1024
        else { return nil }
        let lastWeight = precision.halfStorage == nil
            ? last.weight : try runner.upload(interaction.radialMLP.last?.deviceWeight ?? [])
        return try FactoredConvKernels(
            plan: plan, lastWeight: lastWeight, context: runner.context, cache: cache, scalar: runner.scalar)
    }

    /// Whether layer `t` of passes on `w` runs the factored conv.
    func factors(_ t: Int, _ w: Workspace) -> Bool { t == 0 && w.factored != nil }

    /// Layer 0's conv output into `mid`: the element moments of every receiver from the last radial layer's input,
    /// then the per-path GEMMs and the output terms. The input is `mlpActivation` (written by the radial forward),
    /// or with edge chunks and the fused MLP, computed here chunk by chunk into `chunkInput`.
    func factoredConvForward(layer: DeviceLayer, _ w: Workspace) throws {
        guard let fc = factoredConv, let f = w.factored else { return }
        if w.chunked, layer.hiddenWeights != nil {
            for (i, (chunk, csr, _, _)) in w.receiverChunks.enumerated() {
                // Chunks of receivers without edges still get their (zero) moments written.
                let h = try chunkLastInput(layer: layer, chunk: i, w)
                try fc.moments(
                    receivers: csr, row0: chunk.rows.lowerBound, elements: w.elements, h: h,
                    y: row(w.sh, chunk.positions.lowerBound, width: kernels.source.shCount), f, stream: stream)
            }
        } else if let h = w.mlpActivation {
            try fc.moments(
                receivers: w.receiverCSR, row0: 0, elements: w.elements, h: h.address, y: w.sh.address, f,
                stream: stream)
        }
        try fc.output(x1: w.up[0], mid: w.mid, f, runner: runner)
    }

    /// Layer 0's conv backward: d/dY into `layerSHGradient` and d/d(the last radial layer's input) from
    /// `midGradient`. Without edge chunks into the radial MLP's gradient buffer (the GEMM chain's later layers
    /// reuse `mlpActivation`, so there the input is first recomputed from the kept pre-activation; the fused MLP's
    /// is still in place); with chunks and the fused MLP, chunk by chunk: the MLP forward again, the edge gradient,
    /// the MLP backward into the radial basis' gradient.
    func factoredConvBackward(layer: DeviceLayer, _ w: Workspace) throws {
        guard let fc = factoredConv, let f = w.factored else { return }
        let count = layer.radialMLP.count
        let gradient = radialInputGradient(count - 1, w)
        try fc.momentGradient(x1: w.up[0], dmid: w.midGradient, f, runner: runner)
        let (shCount, besselCount) = (kernels.source.shCount, kernels.source.besselCount)
        if w.chunked, let hidden = layer.hiddenWeights {
            for (i, (chunk, csr, _, _)) in w.receiverChunks.enumerated() where !chunk.positions.isEmpty {
                let (p0, rows) = (chunk.positions.lowerBound, chunk.positions.count)
                let h = try chunkLastInput(layer: layer, chunk: i, w)
                try fc.edgeGradient(
                    receivers: csr, row0: chunk.rows.lowerBound, elements: w.elements, h: h,
                    y: row(w.sh, p0, width: shCount), dh: gradient.address,
                    dy: row(w.layerSHGradient, p0, width: shCount),
                    f, stream: stream)
                if let z = chunkPreActivations(layer, i, w) {
                    try kernels.mlpBackward(
                        edges: rows, g: gradient.address, weights: hidden, z: z,
                        gx: row(w.radialGradient, p0, width: besselCount), accumulate: true, stream: stream)
                }
            }
            return
        }
        guard let h = w.mlpActivation else { return }
        let hiddenLayer = layer.radialMLP[count - 2]
        if layer.hiddenWeights == nil, let z = w.preActivations[0][count - 2], let activation = hiddenLayer.activation {
            try kernels.activation(
                activation, z: z, x: h, count: w.edges * hiddenLayer.outputs, scale: hiddenLayer.activationScale,
                stream: stream)
        }
        try fc.edgeGradient(
            receivers: w.receiverCSR, row0: 0, elements: w.elements, h: h.address, y: w.sh.address,
            dh: gradient.address, dy: w.layerSHGradient.address, f, stream: stream)
    }

    /// The fused radial MLP's hidden layers on chunk `i`'s edges (pre-activations into the chunk's set), their
    /// output (the last layer's input) into `chunkInput`; its address (unused for a chunk without edges).
    private func chunkLastInput(layer: DeviceLayer, chunk i: Int, _ w: Workspace) throws -> UInt64 {
        guard let input = w.chunkInput, let hidden = layer.hiddenWeights else { return 0 }
        let chunk = w.receiverChunks[i].chunk
        guard !chunk.positions.isEmpty, let z = chunkPreActivations(layer, i, w) else { return input.address }
        try kernels.mlpForward(
            edges: chunk.positions.count,
            x: row(w.radial, chunk.positions.lowerBound, width: kernels.source.besselCount), weights: hidden, z: z,
            out: input.address, mode: .plain, stream: stream)
        return input.address
    }
}
