// SwiftMACE, MIT licence.
// RadialMLPConfig: an exported e3nn `nn.FullyConnectedNet` (no biases; per layer weight, variances, activation and
// its normalize2mom constant; docs/MODEL_FORMAT.md §3.3, MACE.md §4.5–4.6).

/// The radial MLP that turns radial features into per-edge tensor-product weights.
struct RadialMLPConfig: Sendable {
    struct Layer: Sendable {
        let weight: String
        let inputs: Int
        let outputs: Int
        /// `1/√(h_in · var_in)`, applied to the weight.
        let weightScale: Double
        let activation: Activation
        /// `normalize2mom` constant times `√var_out`, applied after the activation.
        let activationScale: Double
    }

    let layers: [Layer]

    init(_ node: ConfigNode) throws {
        let items = try node("layers").elements()
        guard !items.isEmpty else { throw try node("layers").failure("found no layers; expected at least one") }
        layers = try items.map { item in
            let inputs = try item("h_in").int(atLeast: 1), outputs = try item("h_out").int(atLeast: 1)
            let varIn = try item("var_in").double(), varOut = try item("var_out").double()
            guard varIn > 0, varOut >= 0 else { throw item.failure("variances \(varIn), \(varOut) must be positive") }
            return Layer(
                weight: try item("weight").string(), inputs: inputs, outputs: outputs,
                weightScale: 1 / (Double(inputs) * varIn).squareRoot(),
                activation: try Activation(item("activation")),
                activationScale: try item("activation_multiplier").double() * varOut.squareRoot())
        }
        for (previous, next) in zip(layers, layers.dropFirst()) where previous.outputs != next.inputs {
            throw try node("layers").failure("layer widths \(previous.outputs) and \(next.inputs) do not chain")
        }
    }
}
