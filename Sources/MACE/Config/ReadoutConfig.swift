// SwiftMACE, MIT licence.
// ReadoutConfig: an exported readout block, LinearReadoutBlock or NonLinearReadoutBlock (docs/MODEL_FORMAT.md §3.5,
// MACE.md §8.1).

/// The per-node energy head of one layer.
struct ReadoutConfig: Sendable {
    enum Kind: Sendable {
        case linear(LinearConfig)
        /// `linear_2(activation(linear_1(h)) · cst)`.
        case nonLinear(LinearConfig, Activation, Double, LinearConfig)
    }

    /// Index of the layer whose product output feeds this readout.
    let featureLayer: Int
    let kind: Kind

    init(_ node: ConfigNode) throws {
        featureLayer = try node("feature_layer").int(atLeast: 0)
        switch try node("class").option(["LinearReadoutBlock", "NonLinearReadoutBlock"]) {
        case "LinearReadoutBlock":
            kind = .linear(try LinearConfig(node("linear")))
        default:
            let heads = try node("num_heads").int()
            guard heads == 1 else { throw try node("num_heads").unsupported() }
            let first = try LinearConfig(node("linear_1")), second = try LinearConfig(node("linear_2"))
            try InteractionConfig.expect(second.irrepsIn, first.irrepsOut, node("linear_2")("irreps_in"))
            kind = .nonLinear(first, try Activation(node("activation")), try node("normalize2mom_cst").double(), second)
        }
        let last: LinearConfig
        switch kind {
        case .linear(let linear): last = linear
        case .nonLinear(_, _, _, let linear): last = linear
        }
        guard last.irrepsOut.dim == 1 else {
            throw node.failure("the readout gives \(last.irrepsOut); expected one scalar (1x0e) per node")
        }
    }
}
