// SwiftMACE, MIT licence.
// The radial MLP in the training pass: its tangents along the position direction (the values are the energy + forces
// pass's), and its reverse: weight gradients `xᵀ·z̄ + ẋᵀ·ż̄` and input adjoints, activations on (value, tangent) pairs.

import CUDA

extension CUDAMACEModel {
    /// The tangents of layer `index`'s radial MLP: the values are the energy + forces pass's (its pre-activations
    /// and edge weights), so each layer is one GEMM over the E tangent rows (the tangent map is the same linear map)
    /// and activations run on (value, tangent) pairs; the conv weights' tangents land in ``TrainingWorkspace``. Under
    /// float32 the last layer's GEMM is 3xTF32 as in the pass, its input split by the activation kernel.
    func dualRadialForward(layer: DeviceLayer, index: Int, _ w: Workspace, _ t: TrainingWorkspace) throws {
        let e = t.edges
        var input = tangent(t.radial, e * kernels.source.besselCount)
        let weightTangent = t.weightTangent(index, w)
        // The factored first conv takes the last layer's input tangent itself (plain, in its training buffers).
        let factoredInput = factors(index, w) ? t.factored?.inputTangent : nil
        for (k, mlp) in layer.radialMLP.enumerated() {
            let last = k == layer.radialMLP.count - 1
            if last, factoredInput != nil { break }
            let zTangent = t.mlpTangents[index][k]?.address ?? weightTangent
            try mlp.forward(
                rows: e, x: input, splitInput: w.splitActivation.map { input == $0.address } ?? false, c: zTangent,
                runner)
            guard let activation = mlp.activation, let z = w.preActivations[index][k] else { continue }
            let count = e * mlp.outputs
            let feedsFactored = factoredInput != nil && k == layer.radialMLP.count - 2
            if !last, !feedsFactored, layer.radialMLP[k + 1].splitWeight != nil, let splitInput = w.splitActivation {
                try kernels.dualActivationSplit(
                    activation, z: z.address, zTangent: zTangent, split: splitInput.address, count: count,
                    width: mlp.outputs, scale: mlp.activationScale, stream: stream)
                input = splitInput.address
                continue
            }
            // The activation's values are the pass's already: rewritten in place (the last layer), or into the
            // input buffer's value block, which this forward does not read.
            let next = last ? weightTangent : feedsFactored ? factoredInput?.address ?? 0 : tangent(t.mlpInput, count)
            try kernels.dualActivation(
                activation, z: z.address, zTangent: zTangent,
                x: last ? w.edgeWeights[index].address : t.mlpInput.address, xTangent: next,
                count: count, scale: mlp.activationScale, stream: stream)
            input = next
        }
    }

    /// The radial MLP's weight gradients from the edge weights' adjoints (primal in the workspace's edge weights,
    /// tangent in the training workspace), last layer first. A layer's weight gradient is `xᵀ·z̄ + ẋᵀ·ż̄` over the
    /// stacked input `[x; ẋ]`, recomputed from the kept pre-activations; its input adjoints `[z̄; ż̄]·Wᵀ` go to the
    /// stacked `mlpGradients`; activations reverse on (value, tangent) pairs.
    func dualRadialBackward(
        layer: DeviceLayer, index: Int, _ w: Workspace, _ t: TrainingWorkspace, into gradients: [UInt64],
        timer: BlockTimer?
    ) throws {
        let e = t.edges
        var (g, gTangent) = (w.edgeWeights[index].address, t.weightTangent(index, w))
        var layers = Array(layer.radialMLP.enumerated())
        if factors(index, w), let last = layer.radialMLP.last {
            // The factored conv's reverse wrote the last layer's weight gradient and its input adjoints.
            let adjoints = t.mlpGradients[(layers.count - 1) % 2]
            (g, gTangent) = (adjoints.address, tangent(adjoints, e * last.inputs))
            layers.removeLast()
        }
        for (k, mlp) in layers.reversed() {
            if let activation = mlp.activation, let z = w.preActivations[index][k], let zTangent = t.mlpTangents[index][k] {
                try kernels.dualActivationBackward(
                    activation, z: z.address, zTangent: zTangent.address, gradient: g, gradientTangent: gTangent,
                    count: e * mlp.outputs, scale: mlp.activationScale, stream: stream)
            }
            let input = try dualRadialInput(layer: layer, index: index, k, w, t)
            try timer.measure("train reverse: radial MLP dW") {
                let pairs = [(a: input, b: g), (a: tangent(input, e * mlp.inputs), b: gTangent)]
                if let partials = t.weightGradientPartials,
                    WeightGradientKernel.fits(
                        inputs: mlp.inputs, outputs: mlp.outputs, addresses: pairs.flatMap { [$0.a, $0.b] })
                {
                    // float32: 3xTF32 on tensor cores (float32-class error), split over the edges.
                    return try WeightGradientKernel(module: kernels.module).run(
                        rows: e, m: mlp.inputs, n: mlp.outputs, pairs: pairs, c: gradients[k], partials: partials,
                        stream: stream)
                }
                for ((x, adjoint), beta) in zip(pairs, [0.0, 1.0]) {
                    try runner.gemm(
                        m: mlp.inputs, n: mlp.outputs, k: e, a: GEMMOperand(address: x, leadingDimension: mlp.inputs),
                        transposeA: true, b: GEMMOperand(address: adjoint, leadingDimension: mlp.outputs),
                        c: GEMMOperand(address: gradients[k], leadingDimension: mlp.outputs), beta: beta)
                }
            }
            guard k > 0 else { break }
            let next = t.mlpGradients[k % 2]
            try timer.measure("train reverse: radial MLP input adjoints") {
                for (adjoint, target) in [(g, next.address), (gTangent, tangent(next, e * mlp.inputs))] {
                    if k == layer.radialMLP.count - 1 {
                        try lastRadialInputGradient(layer: layer, rows: e, a: adjoint, c: target)
                        continue
                    }
                    try runner.gemm(
                        m: e, n: mlp.inputs, k: mlp.outputs,
                        a: GEMMOperand(address: adjoint, leadingDimension: mlp.outputs),
                        b: GEMMOperand(address: mlp.weight.address, leadingDimension: mlp.outputs), transposeB: true,
                        c: GEMMOperand(address: target, leadingDimension: mlp.inputs))
                }
            }
            (g, gTangent) = (next.address, tangent(next, e * mlp.inputs))
        }
    }

    /// The stacked input `[x; ẋ]` of radial-MLP layer `k` of layer `index`: the stacked radial basis, or the
    /// previous layer's activation recomputed from its kept pre-activation and tangent into `mlpInput`.
    private func dualRadialInput(layer: DeviceLayer, index: Int, _ k: Int, _ w: Workspace, _ t: TrainingWorkspace)
        throws -> UInt64
    {
        let previous = k - 1
        guard previous >= 0, let activation = layer.radialMLP[previous].activation,
            let z = w.preActivations[index][previous], let zTangent = t.mlpTangents[index][previous]
        else { return t.radial.address }
        let count = t.edges * layer.radialMLP[previous].outputs
        try kernels.dualActivation(
            activation, z: z.address, zTangent: zTangent.address, x: t.mlpInput.address,
            xTangent: tangent(t.mlpInput, count), count: count, scale: layer.radialMLP[previous].activationScale,
            stream: stream)
        return t.mlpInput.address
    }
}
