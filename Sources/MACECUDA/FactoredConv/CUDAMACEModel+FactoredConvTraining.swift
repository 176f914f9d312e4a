// SwiftMACE, MIT licence.
// The factored first conv in the training pass: its dual forward (from the pass's last-radial-layer input and the
// tangent the dual radial forward left in the factored buffers) and its reverse.

import CUDA
import Equivariance

extension CUDAMACEModel {
    /// Layer 0's conv output and its tangent into the stacked `t.mid[0]`.
    func factoredDualForward(layer: DeviceLayer, _ w: Workspace, _ t: TrainingWorkspace) throws {
        guard let fc = factoredConv, let f = w.factored, let ft = t.factored, let h = w.mlpActivation else { return }
        let mid = t.mid[0]
        try fc.dualForward(
            receivers: w.receiverCSR, elements: w.elements, h: h.address, y: w.sh.address,
            yTangent: t.shTangent.address, x1: t.up[0], mid: mid.address,
            midTangent: tangent(mid, w.nodes * layer.midWidth), f, ft, runner: runner)
    }

    /// Layer 0's conv reverse: x̄1 into the (zeroed) `t.upGradient`, the last radial layer's weight gradient into
    /// `weightGradient`, and the stacked adjoints of its per-edge input into the MLP gradient buffer the radial
    /// reverse starts from.
    func factoredDualBackward(
        layer: DeviceLayer, _ w: Workspace, _ t: TrainingWorkspace, weightGradient: UInt64
    ) throws {
        guard let fc = factoredConv, let f = w.factored, let ft = t.factored, let last = layer.radialMLP.last
        else { return }
        let (n, e) = (w.nodes, w.edges)
        try kernels.fill(t.upGradient, count: 2 * n * layer.upWidth, value: 0, stream: stream)
        let adjoints = t.mlpGradients[(layer.radialMLP.count - 1) % 2]
        try fc.dualBackward(
            receivers: w.receiverCSR, elements: w.elements, y: w.sh.address, yTangent: t.shTangent.address,
            x1: t.up[0], dmid: t.midGradient.address,
            dmidTangent: tangent(t.midGradient, n * layer.midWidth), upGradient: t.upGradient,
            weightGradient: weightGradient, inputAdjoint: adjoints.address,
            inputTangentAdjoint: tangent(adjoints, e * last.inputs),
            threeTF32: t.weightGradientPartials.map { (WeightGradientKernel(module: kernels.module), $0) }, f, ft,
            runner: runner)
    }
}
