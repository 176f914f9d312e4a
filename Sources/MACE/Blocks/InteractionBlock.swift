// SwiftMACE, MIT licence.
// InteractionBlock: mace's RealAgnosticInteractionBlock and RealAgnosticResidualInteractionBlock (MACE.md §6.3–6.4):
// linear_up, radial MLP, conv TP, scatter-sum over receivers, linear / avg_num_neighbors, skip TP.

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
        let sc = config.residual ? skipTP(h, attributes: graph.nodeAttributes) : nil
        let up = linearUp(h)
        var edgeWeights = radialMLP(graph.radialFeatures)
        if let envelope = graph.envelopeOnWeights { edgeWeights = edgeWeights * envelope }
        let messages = convTP(try gather(up, indices: graph.senders, axis: 0),
                              edgeAttributes: graph.edgeAttributes, edgeWeights: edgeWeights)
        let summed = try scatterSum(messages, indices: graph.receivers, axis: 0, count: h.shape[0])
        var message = linear(summed) / config.avgNumNeighbors
        if !config.residual { message = skipTP(message, attributes: graph.nodeAttributes) }
        return (message, sc)
    }
}
