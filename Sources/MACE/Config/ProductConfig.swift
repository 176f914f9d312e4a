// SwiftMACE, MIT licence.
// ProductConfig: one exported EquivariantProductBasisBlock: symmetric contractions (one per output irrep, U and
// weight tensor names per correlation order ν) and the linear after them (docs/MODEL_FORMAT.md §3.4, MACE.md §7).

import Equivariance

/// One product-basis layer.
struct ProductConfig: Sendable {
    /// One symmetric contraction producing `C x irrep`.
    struct Contraction: Sendable {
        let irrep: Irrep
        let channels: Int
        let correlation: Int
        /// `d = (lmax+1)²`, the per-channel input vector length.
        let couplingDim: Int
        /// Shapes of `U_ν`, ν = 1…correlation: `[2L+1]? + [d]*ν + [K_ν]` (the leading axis absent for L = 0).
        let uShapes: [[Int]]
        /// Tensor names of `U_ν` and `W_ν` (`[n_el, K_ν, C]`), index ν − 1.
        let u: [String]
        let weights: [String]

        init(_ node: ConfigNode) throws {
            irrep = try Irrep(parsing: try node("irrep_out").string())
            channels = try node("mul_out").int(atLeast: 1)
            correlation = try node("correlation").int(atLeast: 1)
            couplingDim = try node("coupling_dim").int(atLeast: 1)
            let features = try node("num_features").int()
            guard features == channels else { throw try node("num_features").failure("found \(features); expected \(channels)") }
            var uShapes: [[Int]] = [], u: [String] = [], weights: [String] = []
            for nu in 1...correlation {
                let shape = try node("U_shapes")("\(nu)").elements().map { try $0.int(atLeast: 0) }
                let prefix = irrep.l == 0 ? [] : [irrep.dimension]
                guard shape.count == prefix.count + nu + 1, Array(shape.dropLast()) == prefix + Array(repeating: couplingDim, count: nu)
                else {
                    throw try node("U_shapes")("\(nu)").failure(
                        "found \(shape); expected \(prefix + Array(repeating: couplingDim, count: nu)) + [K]")
                }
                uShapes.append(shape)
                u.append(try node("U")("\(nu)").string())
                weights.append(try node("weights")("\(nu)").string())
            }
            self.uShapes = uShapes
            self.u = u
            self.weights = weights
        }
    }

    let useSC: Bool
    let irrepsIn: Irreps
    let irrepsOut: Irreps
    let contractions: [Contraction]
    let linear: LinearConfig

    init(_ node: ConfigNode) throws {
        useSC = try node("use_sc").bool()
        irrepsIn = try node("irreps_in").irreps()
        irrepsOut = try node("irreps_out").irreps()
        contractions = try node("contractions").elements().map(Contraction.init)
        linear = try LinearConfig(node("linear"))
        let produced = Irreps(contractions.map { MulIrrep($0.channels, $0.irrep) })
        try InteractionConfig.expect(produced, irrepsOut, node("contractions"))
        try InteractionConfig.expect(linear.irrepsIn, irrepsOut, node("linear")("irreps_in"))
        // The input must be C copies of one SH-like vector per channel (mace's reshape to [N, C, d]).
        guard let channels = irrepsIn.entries.first?.mul, irrepsIn.entries.allSatisfy({ $0.mul == channels }),
            contractions.allSatisfy({ $0.channels == channels && $0.couplingDim * channels == irrepsIn.dim })
        else { throw try node("irreps_in").failure("found \(irrepsIn); expected equal multiplicities matching the contractions") }
    }
}
