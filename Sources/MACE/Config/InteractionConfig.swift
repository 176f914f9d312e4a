// SwiftMACE, MIT licence.
// InteractionConfig: one exported interaction block (RealAgnosticInteractionBlock or its Residual variant;
// docs/MODEL_FORMAT.md §3.3, MACE.md §6).

import Equivariance

/// One interaction layer: linear_up, radial MLP, conv TP, linear, skip TP.
struct InteractionConfig: Sendable {
    /// true for `RealAgnosticResidualInteractionBlock`: skip_tp acts on the layer input and returns `sc`.
    let residual: Bool
    let avgNumNeighbors: Double
    let nodeFeatsIrreps: Irreps
    let targetIrreps: Irreps
    let hiddenIrreps: Irreps
    let linearUp: LinearConfig
    let convTP: TensorProductConfig
    let radialMLP: RadialMLPConfig
    let linear: LinearConfig
    let skipTP: TensorProductConfig

    static let classes = ["RealAgnosticInteractionBlock", "RealAgnosticResidualInteractionBlock"]

    init(_ node: ConfigNode) throws {
        let name = try node("class").option(Self.classes)
        residual = try node("residual").bool()
        guard residual == (name == Self.classes[1]) else {
            throw try node("residual").failure("found \(residual); class \(name) has residual \(!residual)")
        }
        avgNumNeighbors = try node("avg_num_neighbors").double()
        guard avgNumNeighbors > 0 else { throw try node("avg_num_neighbors").failure("found \(avgNumNeighbors); expected > 0") }
        nodeFeatsIrreps = try node("node_feats_irreps").irreps()
        targetIrreps = try node("target_irreps").irreps()
        hiddenIrreps = try node("hidden_irreps").irreps()
        linearUp = try LinearConfig(node("linear_up"))
        convTP = try TensorProductConfig(node("conv_tp"))
        radialMLP = try RadialMLPConfig(node("conv_tp_weights"))
        linear = try LinearConfig(node("linear"))
        skipTP = try TensorProductConfig(node("skip_tp"))
        // The blocks chain: h → linear_up → conv_tp → linear → (skip_tp) → target.
        try Self.expect(linearUp.irrepsIn, nodeFeatsIrreps, node("linear_up")("irreps_in"))
        try Self.expect(convTP.irrepsIn1, linearUp.irrepsOut, node("conv_tp")("irreps_in1"))
        try Self.expect(linear.irrepsIn, convTP.irrepsOut, node("linear")("irreps_in"))
        try Self.expect(linear.irrepsOut, targetIrreps, node("linear")("irreps_out"))
        try Self.expect(skipTP.irrepsIn1, residual ? nodeFeatsIrreps : targetIrreps, node("skip_tp")("irreps_in1"))
        try Self.expect(skipTP.irrepsOut, residual ? hiddenIrreps : targetIrreps, node("skip_tp")("irreps_out"))
        guard convTP.instructions.allSatisfy({ $0.mode == .uvu }), convTP.weight == nil else {
            throw try node("conv_tp").failure("expected 'uvu' instructions with external weights from the radial MLP")
        }
        guard radialMLP.layers.last?.outputs == convTP.weightNumel else {
            throw try node("conv_tp_weights").failure(
                "the last layer has \(radialMLP.layers.last?.outputs ?? 0) outputs; conv_tp needs \(convTP.weightNumel)")
        }
        guard skipTP.instructions.allSatisfy({ $0.mode == .uvw }), skipTP.weight != nil,
            skipTP.irrepsIn2.entries.allSatisfy({ $0.irrep == Irrep(0, .even) })
        else { throw try node("skip_tp").failure("expected a fully connected 'uvw' product with the one-hot (0e) attributes") }
    }

    static func expect(_ found: Irreps, _ expected: Irreps, _ node: ConfigNode) throws {
        guard found == expected else { throw node.failure("found \(found); expected \(expected)") }
    }
}
