// SwiftMACE, MIT licence.
// StepCost: the FLOPs and bytes of one energy + forces step of the CUDA model on a graph, stage by stage, and the
// floor they give on a device's measured ceilings.

import Equivariance

/// Floating-point operations and device-memory bytes of one energy + forces step as the CUDA model runs it.
///
/// FLOPs: GEMMs `2·m·n·k` (radial MLP forward and its input-gradient backward; linears, skip TP and readouts
/// forward and transposed); conv_tp forward, backward (dR, dSH) and sender backward by their polynomials'
/// `flopCount` (every CG coefficient × channel: one multiply per factor + one add); the symmetric contraction
/// `C · (monomials + 2 · slots)` per node forward and twice that backward. Bytes: every stage reads each of its
/// inputs once and writes each output once (the floor of this decomposition, which materialises the radial MLP
/// output `[E, weight_numel]`; gathers count once per row, not per edge). With the fused radial MLP its hidden
/// layers move what the two fused kernels read and write. Sizes are the policy's: the per-edge conv weights, their
/// gradient and the last radial layer's input in 16 bits under the 16-bit policies, and the node features between
/// the equivariant kernels too under `bf16`; linears are counted at the model's scalar size. A factored first conv
/// (``FactoredConvPlan``) counts its own chain instead of that layer's last radial GEMM and conv kernels.
public struct StepCost: Sendable {
    public var flops: Double = 0
    public var bytes: Double = 0

    /// The larger of `flops / flopRate` and `bytes / bandwidth`, in ms.
    public func floorMilliseconds(flopRate: Double, bandwidth: Double) -> Double {
        max(flops / flopRate, bytes / bandwidth) * 1e3
    }
}

extension CUDAMACEModel {
    /// The cost of one step on a graph of `nodes` atoms and `edges` edges.
    public func stepCost(nodes: Int, edges: Int) -> StepCost {
        let (n, e) = (Double(nodes), Double(edges))
        let s = Double(scalar.byteSize)
        let edgeSize = runner.half == nil ? s : 2, featureSize = precision.storesFeaturesInHalf ? 2 : s
        let shCount = Double(kernels.source.shCount), bessel = Double(kernels.source.besselCount)
        var cost = StepCost()
        // Edge embedding forward + backward, forces.
        cost.bytes += e * (8 + 24 + 24 + (shCount + bessel) * s) + e * (24 + 2 * (shCount + bessel) * s + 24)
        cost.bytes += e * (24 + 8) + n * 24
        func linear(_ l: PathGEMMs, rows: Double) {
            cost.flops += 2 * rows * Double(l.flopsPerRow)  // forward and transposed
            cost.bytes += 2 * rows * Double(l.inputWidth + l.outputWidth) * s
        }
        linear(embedding.gemms, rows: n)
        for (t, layer) in layers.enumerated() {
            let factored = t == 0 && passesFactorFirstLayer ? factoredConv?.plan : nil
            for mlp in factored == nil ? layer.radialMLP : layer.radialMLP.dropLast() {
                let (i, o) = (Double(mlp.inputs), Double(mlp.outputs))
                cost.flops += 2 * (2 * e * i * o)
                let activation = mlp.activation == nil ? 0.0 : 2 * o
                if kernels.source.mlp == nil { cost.bytes += 2 * e * (i + o + activation) * s }
            }
            if let shape = kernels.source.mlp, let last = layer.radialMLP.last {
                // Fused hidden kernels: x in, the kept pre-activations and the last input out; backward reads them
                // and d/d(last input), and updates the radial gradient. The last layer's GEMM forward and backward.
                let (h, depth, inputs) = (Double(shape.width), Double(shape.depth), Double(shape.inputs))
                cost.bytes += e * (inputs + (depth + 1) * h) * s + e * ((depth + 1) * h + 2 * inputs) * s
                if factored == nil { cost.bytes += 2 * e * (Double(last.inputs) + Double(last.outputs)) * edgeSize }
            }
            if let factored {
                let c = factored.cost(nodes: nodes, edges: edges, scalarBytes: scalar.byteSize)
                cost.flops += c.flops
                cost.bytes += c.bytes
            } else {
                convCost(layer, index: t, edges: edges, nodes: nodes, into: &cost)
            }
            for gemms in [layer.linearUp.gemms, layer.linear.gemms, layer.productLinear.gemms, layer.skip.gemms] {
                linear(gemms, rows: n)
            }
            let plan = layer.contraction.source.plan
            cost.flops += 3 * n * Double(plan.channels * (plan.monomials.count + 2 * plan.slots.count))
            cost.bytes += n * Double(2 * layer.messageWidth + 2 * layer.productWidth) * featureSize
        }
        for readout in readouts {
            linear(readout.first.gemms, rows: n)
            if let hidden = readout.hidden { linear(hidden.second.gemms, rows: n) }
        }
        return cost
    }

    /// conv_tp forward, backward (dR, dSH) and, past the first layer, its sender backward on per-edge weights.
    private func convCost(_ layer: DeviceLayer, index t: Int, edges: Int, nodes: Int, into cost: inout StepCost) {
        let (n, e, s) = (Double(nodes), Double(edges), Double(scalar.byteSize))
        let edgeSize = runner.half == nil ? s : 2, featureSize = precision.storesFeaturesInHalf ? 2 : s
        let numel = Double(layer.weightCount), up = Double(layer.upWidth), mid = Double(layer.midWidth)
        let shCount = Double(kernels.source.shCount)
        cost.flops += Double(layer.conv.source.forwardPolynomial.flopCount(batch: edges))
        cost.flops += Double(layer.conv.source.backwardPolynomial.flopCount(batch: edges))
        cost.bytes += e * (numel * edgeSize + shCount * s + 8) + n * (up + mid) * featureSize
        cost.bytes += e * (2 * numel * edgeSize + 2 * shCount * s) + n * (up + mid) * featureSize
        if t > 0 {
            cost.flops += Double(layer.conv.source.senderBackwardPolynomial.flopCount(batch: edges))
            cost.bytes += e * (numel * edgeSize + shCount * s) + n * (up + mid) * featureSize
        }
    }
}
