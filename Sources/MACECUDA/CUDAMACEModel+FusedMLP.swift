// SwiftMACE, MIT licence.
// The radial MLP through the fused kernels (RadialMLPKernelSource): the hidden layers forward and backward as one
// kernel each, the last layer's GEMM (3xTF32, float64 or 16-bit as the policy says) and its input gradient.

import CUDA
import Equivariance

extension CUDAMACEModel {
    /// Addresses of layer `t`'s kept pre-activations, one per hidden layer.
    private func preActivationAddresses(_ t: Int, _ w: Workspace) -> [UInt64] {
        w.preActivations[t].compactMap { $0?.address }
    }

    /// The fused radial MLP forward of layer `t` (``RadialMLPShape``): the hidden layers in one kernel, then the last
    /// layer's GEMM into `edgeWeights[t]` (with the factored conv, its input in `mlpActivation` and no GEMM). With
    /// edge chunks nothing: the chunk loops run it per chunk.
    func fusedRadialForward(
        layer: DeviceLayer, index t: Int, _ w: Workspace, timer: BlockTimer?, stage: String
    ) throws {
        guard let weights = layer.hiddenWeights, let last = layer.radialMLP.last, !w.chunked else { return }
        let e = w.edges
        var (out, mode): (DeviceBuffer?, ModelKernels.MLPOutput) = (w.mlpActivation, .plain)
        if factors(t, w) {
            // The factored conv reads the last layer's input itself.
        } else if let half = runner.half, let input = w.fusedConvInputs[t] {
            // So does a conv that forms its edge weights, in 16 bits, forward and backward.
            (out, mode) = (input, half == .bfloat16 ? .bfloat16 : .float16)
        } else if let half = runner.half {
            (out, mode) = (w.halfEdgeInput, half == .bfloat16 ? .bfloat16 : .float16)
        } else if last.splitWeight != nil {
            (out, mode) = (w.splitActivation, .split3xTF32)
        }
        try timer.measure(stage) {
            try kernels.mlpForward(
                edges: e, x: w.radial.address, weights: weights, z: preActivationAddresses(t, w), out: out?.address ?? 0,
                mode: mode, stream: stream)
        }
        guard let x = out, !factors(t, w), w.fusedConvInputs[t] == nil else { return }
        try timer.measure(stage + " last layer") { try lastRadialForward(last, x: x, t, w) }
    }

    /// The last radial layer's GEMM from its input `x` into `edgeWeights[t]`.
    private func lastRadialForward(_ last: DeviceRadialLayer, x: DeviceBuffer, _ t: Int, _ w: Workspace) throws {
        let (e, n, k) = (w.edges, last.outputs, last.inputs)
        guard runner.half != nil else {
            return try last.forward(
                rows: e, x: x.address, splitInput: last.splitWeight != nil, c: w.edgeWeights[t].address, runner)
        }
        try runner.halfGEMM(
            m: e, n: n, k: k, a: GEMMOperand(address: x.address, leadingDimension: k),
            b: GEMMOperand(address: last.weight.address, leadingDimension: n),
            c: GEMMOperand(address: w.edgeWeights[t].address, leadingDimension: n), halfOutput: true)
    }

    /// d/d(the last layer's input) `[rows, h]` at `c` from d/d(edge weights) `[rows, weight_numel]` at `a`: 3xTF32
    /// under float32, else a GEMM with Wᵀ (16-bit operands under a 16-bit policy).
    func lastRadialInputGradient(layer: DeviceLayer, rows: Int, a: UInt64, c: UInt64) throws {
        guard let last = layer.radialMLP.last else { return }
        if let split = layer.lastWeightSplit {
            return try kernels.mlpGradient3xTF32(
                rows: rows, k: last.outputs, a: a, split: split, c: c, stream: stream)
        }
        let (gradient, weight, target) = (
            GEMMOperand(address: a, leadingDimension: last.outputs),
            GEMMOperand(address: last.weight.address, leadingDimension: last.outputs),
            GEMMOperand(address: c, leadingDimension: last.inputs)
        )
        let (n, k) = (last.inputs, last.outputs)
        if runner.half != nil {
            try runner.halfGEMM(m: rows, n: n, k: k, a: gradient, b: weight, transposeB: true, c: target)
        } else {
            try runner.gemm(m: rows, n: n, k: k, a: gradient, b: weight, transposeB: true, c: target)
        }
    }

    /// The fused radial MLP's input gradient of layer `t`, added into `radialGradient`: the last layer's step, then
    /// the hidden layers in one kernel. With edge chunks nothing: the chunk loops run it per chunk.
    func fusedRadialBackward(
        layer: DeviceLayer, index t: Int, _ w: Workspace, timer: BlockTimer?, stage: String
    ) throws {
        guard let weights = layer.hiddenWeights, !w.chunked else { return }
        let gradient = radialInputGradient(layer.radialMLP.count - 1, w)
        if !factors(t, w) {  // the factored conv's backward wrote `gradient`
            try timer.measure(stage + " last layer") {
                try lastRadialInputGradient(layer: layer, rows: w.edges, a: w.weightGradient.address, c: gradient.address)
            }
        }
        try timer.measure(stage) {
            try kernels.mlpBackward(
                edges: w.edges, g: gradient.address, weights: weights, z: preActivationAddresses(t, w),
                gx: w.radialGradient.address, accumulate: true, stream: stream)
        }
    }
}
