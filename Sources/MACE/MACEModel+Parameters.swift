// SwiftMACE, MIT licence.
// The trainable parameters of a MACEModel under mace's state-dict names, in mace's `named_parameters()` order, read
// and replaced whole (what training needs; everything else in the file is a buffer).

import Tensors

extension MACEModel {
    /// mace's names of the trainable tensors, in `named_parameters()` order (e.g. `node_embedding.linear.weight`,
    /// `interactions.0.conv_tp_weights.layer1.weight`, `products.0.symmetric_contractions.contractions.0.weights_max`).
    public var parameterNames: [String] {
        var copy = self
        var names: [String] = []
        copy.visitParameters { name, _ in names.append(name) }
        return names
    }

    /// The trainable tensors in `parameterNames` order, in the model dtype (flat e3nn weights `[weight_numel]`, radial
    /// MLP `[h_in, h_out]`, symmetric-contraction weights `[n_el, K, C]`). Setting replaces them; the new tensors
    /// must have the same shapes (they may require grad, so a forward pass differentiates with respect to them).
    public var parameterValues: [Tensor] {
        get {
            var copy = self
            var values: [Tensor] = []
            copy.visitParameters { _, value in values.append(value) }
            return values
        }
        set {
            precondition(newValue.count == parameterNames.count,
                         "MACEModel.parameterValues: \(newValue.count) tensors for \(parameterNames.count) parameters")
            var index = 0
            visitParameters { name, value in
                precondition(newValue[index].shape == value.shape,
                             "MACEModel.parameterValues: '\(name)' has shape \(value.shape), got \(newValue[index].shape)")
                value = newValue[index]
                index += 1
            }
        }
    }

    /// Calls `body` with every parameter's name and storage, in mace's order.
    mutating func visitParameters(_ body: (String, inout Tensor) -> Void) {
        body(config.nodeEmbedding.weight, &nodeEmbedding.weight)
        for index in interactions.indices {
            body(interactions[index].linearUp.config.weight, &interactions[index].linearUp.weight)
            for (layer, config) in interactions[index].radialMLP.config.layers.enumerated() {
                body(config.weight, &interactions[index].radialMLP.weights[layer])
            }
            body(interactions[index].linear.config.weight, &interactions[index].linear.weight)
            body(interactions[index].skipTP.config.weight ?? "", &interactions[index].skipTP.weight)
        }
        for index in products.indices {
            for contraction in products[index].contraction.configs.indices {
                // mace registers `weights_max` (ν = correlation) first, then `weights.j` for ν = correlation − 1 − j.
                let names = products[index].contraction.configs[contraction].weights
                for nu in stride(from: names.count, through: 1, by: -1) {
                    body(names[nu - 1], &products[index].contraction.weights[contraction][nu - 1])
                }
            }
            body(products[index].linear.config.weight, &products[index].linear.weight)
        }
        for index in readouts.indices {
            switch readouts[index].kind {
            case .linear(var linear):
                body(linear.config.weight, &linear.weight)
                readouts[index].kind = .linear(linear)
            case .nonLinear(var first, let activation, let cst, var second):
                body(first.config.weight, &first.weight)
                body(second.config.weight, &second.weight)
                readouts[index].kind = .nonLinear(first, activation, cst, second)
            }
        }
    }
}
