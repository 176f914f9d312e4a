// SwiftMACE, MIT licence.
// LinearConfig: an exported e3nn `o3.Linear` (irreps, instruction list with complete path weights, weight name;
// docs/MODEL_FORMAT.md §3.2, MACE.md §5.1).

import Equivariance

/// An e3nn Linear between two irreps: `y[i_out][w, m] = Σ_{ins→i_out} pathWeight · Σ_u W_ins[u, w] x[i_in][u, m]`.
struct LinearConfig: Sendable {
    struct Instruction: Sendable {
        let input: Int
        let output: Int
        let pathWeight: Double
    }

    let irrepsIn: Irreps
    let irrepsOut: Irreps
    let instructions: [Instruction]
    /// Name of the flat weight tensor `[Σ mul_in · mul_out]`.
    let weight: String

    /// The weight count the instructions imply.
    var weightNumel: Int {
        instructions.reduce(0) { $0 + irrepsIn.entries[$1.input].mul * irrepsOut.entries[$1.output].mul }
    }

    init(_ node: ConfigNode) throws {
        irrepsIn = try node("irreps_in").irreps()
        irrepsOut = try node("irreps_out").irreps()
        weight = try node("weight").string()
        instructions = try node("instructions").elements().map { [irrepsIn, irrepsOut] item in
            let input = try item("i_in").int(atLeast: 0), output = try item("i_out").int(atLeast: 0)
            guard input < irrepsIn.entries.count, output < irrepsOut.entries.count else {
                throw item.failure("instruction (\(input), \(output)) is out of range for \(irrepsIn) → \(irrepsOut)")
            }
            let a = irrepsIn.entries[input], b = irrepsOut.entries[output]
            guard a.irrep == b.irrep else { throw item.failure("connects \(a.irrep) to \(b.irrep); a linear keeps the irrep") }
            let shape = try item("path_shape").elements().map { try $0.int() }
            guard shape == [a.mul, b.mul] else {
                throw try item("path_shape").failure("found \(shape); expected [\(a.mul), \(b.mul)]")
            }
            return Instruction(input: input, output: output, pathWeight: try item("path_weight").double())
        }
        let numel = try node("weight_numel").int()
        guard numel == weightNumel else {
            throw try node("weight_numel").failure("found \(numel); the instructions need \(weightNumel)")
        }
    }
}
