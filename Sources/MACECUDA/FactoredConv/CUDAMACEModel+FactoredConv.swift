// SwiftMACE, MIT licence.
// The factored first conv in the energy + forces pass: when it applies (FactoredConvPlan), layer 0's radial MLP
// stops at its last layer's input and the conv output and its force backward come from per-receiver moments.

import CUDA
import Equivariance
import EquivarianceCUDA

extension CUDAMACEModel {
    /// The factored conv of the model's first layer, or nil where it does not apply: a 16-bit policy (its edge
    /// weights are 16-bit storage by design), a radial MLP without a hidden layer, with a hidden layer without
    /// activation or with an activation after its last layer, a 3xTF32 last layer fed by the GEMM chain (its input is then only written split), more than
    /// ``FactoredConvPlan/maxElements`` elements, or a conv the plan cannot express.
    static func factoredConv(
        _ layer: DeviceLayer?, elements: Int, precision: PrecisionPolicy, context: CUDAContext, cache: KernelCache,
        scalar: KernelScalar
    ) throws -> FactoredConvKernels? {
        guard let layer, precision.halfStorage == nil, layer.radialMLP.count >= 2,
            let last = layer.radialMLP.last, last.activation == nil,
            layer.radialMLP.dropLast().allSatisfy({ $0.activation != nil }),
            layer.hiddenWeights != nil || last.splitWeight == nil,
            let plan = FactoredConvPlan(
                polynomial: layer.conv.source.forwardPolynomial, hidden: last.inputs, elements: elements),
            plan.shCount <= 32, plan.channels <= 1024, plan.hidden <= 1024
        else { return nil }
        return try FactoredConvKernels(plan: plan, context: context, cache: cache, scalar: scalar)
    }

    /// Whether layer `t` of passes on `w` runs the factored conv.
    func factors(_ t: Int, _ w: Workspace) -> Bool { t == 0 && w.factored != nil }

    /// Layer 0's conv output into `mid`: the element moments of every receiver from the last radial layer's input
    /// (`mlpActivation`, written by the radial forward), then the per-path GEMMs and the output terms.
    func factoredConvForward(layer: DeviceLayer, _ w: Workspace) throws {
        guard let fc = factoredConv, let f = w.factored, let h = w.mlpActivation, let last = layer.radialMLP.last
        else { return }
        try fc.moments(
            receivers: w.receiverCSR, row0: 0, elements: w.elements, h: h.address, y: w.sh.address, f, stream: stream)
        try fc.output(lastWeight: last.weight, x1: w.up[0], mid: w.mid, f, runner: runner)
    }

    /// Layer 0's conv backward: d/dY into `layerSHGradient` and d/d(the last radial layer's input) into the radial
    /// MLP's gradient buffer, from `midGradient`. The GEMM chain's later layers reuse `mlpActivation`, so there
    /// the input is first recomputed from the kept pre-activation (the fused MLP's is still in place).
    func factoredConvBackward(layer: DeviceLayer, _ w: Workspace) throws {
        guard let fc = factoredConv, let f = w.factored, let h = w.mlpActivation, let last = layer.radialMLP.last
        else { return }
        let count = layer.radialMLP.count
        let hidden = layer.radialMLP[count - 2]
        if layer.hiddenWeights == nil, let z = w.preActivations[0][count - 2], let activation = hidden.activation {
            try kernels.activation(
                activation, z: z, x: h, count: w.edges * hidden.outputs, scale: hidden.activationScale, stream: stream)
        }
        try fc.momentGradient(lastWeight: last.weight, x1: w.up[0], dmid: w.midGradient, f, runner: runner)
        try fc.edgeGradient(
            receivers: w.receiverCSR, row0: 0, elements: w.elements, h: h.address, y: w.sh.address,
            dh: radialInputGradient(count - 1, w).address, dy: w.layerSHGradient.address, f, stream: stream)
    }
}
