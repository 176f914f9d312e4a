// SwiftMACE, MIT licence.
// TensorProductConfig: an exported e3nn `o3.TensorProduct` / `FullyConnectedTensorProduct` (instructions with
// modes 'uvu' and 'uvw', complete path weights; docs/MODEL_FORMAT.md §3.3, MACE.md §5.2–5.3).

import Equivariance

/// An e3nn tensor product: `z[i_out] += pathWeight · Σ W · C^{(l1,l2,l_out)} x1[i_in1] x2[i_in2]`.
struct TensorProductConfig: Sendable {
    enum Mode: String, Sendable {
        /// Channel-wise: `z[u, k] += w[u, v] C[i,j,k] x1[u, i] x2[v, j]` (conv_tp).
        case uvu
        /// Fully connected: `z[w, k] += W[u, v, w] C[i,j,k] x1[u, i] x2[v, j]` (skip_tp).
        case uvw
    }

    struct Instruction: Sendable {
        let input1: Int
        let input2: Int
        let output: Int
        let mode: Mode
        let pathWeight: Double
        /// `[mul1, mul2]` for uvu, `[mul1, mul2, mul_out]` for uvw.
        let pathShape: [Int]
        var weightCount: Int { pathShape.reduce(1, *) }
    }

    let irrepsIn1: Irreps
    let irrepsIn2: Irreps
    let irrepsOut: Irreps
    let instructions: [Instruction]
    /// The flat weight tensor's name, nil when the weights come from outside (the radial MLP).
    let weight: String?

    var weightNumel: Int { instructions.reduce(0) { $0 + $1.weightCount } }

    init(_ node: ConfigNode) throws {
        irrepsIn1 = try node("irreps_in1").irreps()
        irrepsIn2 = try node("irreps_in2").irreps()
        irrepsOut = try node("irreps_out").irreps()
        weight = try node.optional("weight")?.string()
        instructions = try node("instructions").elements().map { [irrepsIn1, irrepsIn2, irrepsOut] item in
            let i1 = try item("i_in1").int(atLeast: 0), i2 = try item("i_in2").int(atLeast: 0)
            let o = try item("i_out").int(atLeast: 0)
            guard i1 < irrepsIn1.entries.count, i2 < irrepsIn2.entries.count, o < irrepsOut.entries.count else {
                throw item.failure("instruction (\(i1), \(i2), \(o)) is out of range")
            }
            let a = irrepsIn1.entries[i1], b = irrepsIn2.entries[i2], c = irrepsOut.entries[o]
            guard (a.irrep * b.irrep).contains(c.irrep) else {
                throw item.failure("\(c.irrep) is not in \(a.irrep) ⊗ \(b.irrep)")
            }
            guard let mode = Mode(rawValue: try item("connection_mode").string()) else {
                throw try item("connection_mode").unsupported()
            }
            guard try item("has_weight").bool() else { throw try item("has_weight").unsupported() }
            let expected = mode == .uvu ? [a.mul, b.mul] : [a.mul, b.mul, c.mul]
            if mode == .uvu, a.mul != c.mul {
                throw item.failure("mode uvu needs equal input and output multiplicities; found \(a.mul) and \(c.mul)")
            }
            let shape = try item("path_shape").elements().map { try $0.int() }
            guard shape == expected else { throw try item("path_shape").failure("found \(shape); expected \(expected)") }
            return Instruction(input1: i1, input2: i2, output: o, mode: mode,
                               pathWeight: try item("path_weight").double(), pathShape: shape)
        }
        let numel = try node("weight_numel").int()
        guard numel == weightNumel else {
            throw try node("weight_numel").failure("found \(numel); the instructions need \(weightNumel)")
        }
    }
}
