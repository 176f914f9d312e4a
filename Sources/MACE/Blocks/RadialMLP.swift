// SwiftMACE, MIT licence.
// RadialMLP: e3nn `nn.FullyConnectedNet` without biases (MACE.md §4.5): radial features → conv_tp weights, with
// the normalize2mom constant exported from the model (MACE.md §4.6, §14.2).

import Tensors

/// `x ← act(x · W / √(h_in·var_in)) · cst · √var_out` per layer (no activation on the last one).
struct RadialMLP {
    let config: RadialMLPConfig
    /// `[h_in, h_out]` per layer.
    var weights: [Tensor]

    init(_ config: RadialMLPConfig, weights: ModelWeights) throws {
        self.config = config
        self.weights = try config.layers.map { try weights.tensor($0.weight, shape: [$0.inputs, $0.outputs]) }
    }

    /// `[E, num_bessel] → [E, weight_numel]`.
    ///
    /// An activation's scale is carried into the next layer's (small) weight scale rather than multiplying the
    /// `[E, h]` activations: one elementwise op fewer per layer, forward and backward.
    func callAsFunction(_ x: Tensor) -> Tensor {
        var x = x
        var carriedScale = 1.0
        for (layer, w) in zip(config.layers, weights) {
            x = matmul(x, w * (layer.weightScale * carriedScale))
            carriedScale = 1
            if layer.activation != .none {
                x = layer.activation(x)
                carriedScale = layer.activationScale
            }
        }
        return carriedScale == 1 ? x : x * carriedScale
    }
}
