// SwiftMACE, MIT licence.
// InteractionBlock: mace's RealAgnosticInteractionBlock and RealAgnosticResidualInteractionBlock (MACE.md §6.3–6.4):
// linear_up, radial MLP, conv TP fused with the sender gather and receiver sum, linear / avg_num_neighbors, skip TP.

import Tensors

/// One interaction layer.
struct InteractionBlock {
    let config: InteractionConfig
    var linearUp: EquivariantLinear
    var radialMLP: RadialMLP
    let convTP: ConvTensorProduct
    var linear: EquivariantLinear
    var skipTP: ElementSkipTensorProduct

    init(_ config: InteractionConfig, index: Int, weights: ModelWeights) throws {
        self.config = config
        linearUp = try EquivariantLinear(config.linearUp, weights: weights)
        radialMLP = try RadialMLP(config.radialMLP, weights: weights)
        convTP = try ConvTensorProduct(config.convTP, prefix: "interactions.\(index).conv_tp", weights: weights)
        linear = try EquivariantLinear(config.linear, weights: weights)
        skipTP = try ElementSkipTensorProduct(config.skipTP, weights: weights)
    }

    /// The message `[N, target.dim]` (mul_ir) and, for the residual block, `sc` `[N, hidden.dim]`.
    func callAsFunction(_ h: Tensor, graph: GraphTensors) throws -> (message: Tensor, sc: Tensor?) {
        let sc = config.residual ? try profiled("skip TP") { try skipTP(h, attributes: graph.nodeAttributes) } : nil
        let up = try profiled("linears") { try linearUp(h) }
        let edgeWeights = profiled("radial MLP") {
            let weights = radialMLP(graph.radialFeatures)
            return graph.envelopeOnWeights.map { weights * $0 } ?? weights
        }
        let summed = try profiled("conv forward") {
            try convTP(up, edgeAttributes: graph.edgeAttributes, edgeWeights: edgeWeights, edges: graph.edges)
        }
        var message = try profiled("linears") { try linear(summed) / config.avgNumNeighbors }
        if !config.residual { message = try profiled("skip TP") { try skipTP(message, attributes: graph.nodeAttributes) } }
        return (message, sc)
    }
}
