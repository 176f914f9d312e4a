// SwiftMACE, MIT licence.
// LinearDescriptor: e3nn 0.4.4 `o3.Linear` (internal shared weights, no biases, element path normalisation) as an
// EquivariantPolynomial, with e3nn's instruction order and flat weight layout (MACE.md §5.1).

/// One path of an e3nn Linear: input entry → output entry of the same irrep.
public struct LinearInstruction: Sendable, Hashable, Codable {
    /// Entry index in `irrepsIn`.
    public let input: Int
    /// Entry index in `irrepsOut`.
    public let output: Int
    /// `[mul_in, mul_out]`: the row-major weight block of this path.
    public let pathShape: [Int]
    /// e3nn's runtime factor `1/√(Σ mul_in over the paths into this output entry)`.
    public let pathWeight: Double
}

/// e3nn 0.4.4 `o3.Linear(irrepsIn, irrepsOut)` as mace uses it (MACE.md §5.1):
/// `y[i_out][w, m] = Σ_{ins → i_out} pathWeight · Σ_u W_ins[u, w] · x[i_in][u, m]`.
///
/// Polynomial operands: inputs `[weight, x]`, output `[y]`.
/// - `weight`: `[weightCount]`, e3nn's flat weight: the instruction blocks `[mul_in, mul_out]` concatenated in
///   instruction order (one segment `[mul_in, mul_out, 1]` each); usually `.shared` across the batch.
/// - `x`: `[irrepsIn.dim]`, mul_ir. `y`: `[irrepsOut.dim]`, mul_ir; entries with no instruction stay zero.
/// One term `uv·u -> v`, one path per instruction with coefficients `pathWeight · δ_{m m'}`.
public struct LinearDescriptor: Sendable, Hashable, Codable {
    public let irrepsIn: Irreps
    public let irrepsOut: Irreps
    /// Every `(i_in, i_out)` with equal irreps, i_in-major then i_out (e3nn's order).
    public let instructions: [LinearInstruction]
    /// Length of the flat weight.
    public let weightCount: Int
    public let polynomial: EquivariantPolynomial

    public init(irrepsIn: Irreps, irrepsOut: Irreps) throws {
        var pairs: [(Int, Int)] = []
        for (a, entryIn) in irrepsIn.entries.enumerated() {
            for (b, entryOut) in irrepsOut.entries.enumerated() where entryIn.irrep == entryOut.irrep {
                pairs.append((a, b))
            }
        }
        let instructions = pairs.map { a, b in
            let fanIn = pairs.filter { $0.1 == b }.reduce(0) { $0 + irrepsIn.entries[$1.0].mul }
            return LinearInstruction(
                input: a, output: b, pathShape: [irrepsIn.entries[a].mul, irrepsOut.entries[b].mul],
                pathWeight: fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 1)
        }
        let paths = instructions.enumerated().map { n, ins in
            PolynomialPath(
                segments: [n, ins.input, ins.output],
                coefficients: (0..<irrepsIn.entries[ins.input].irrep.dimension).map {
                    PolynomialCoefficient([0, $0, $0], ins.pathWeight)
                })
        }
        let weight = PolynomialOperand(name: "weight", segments: instructions.map { $0.pathShape + [1] })
        self.irrepsIn = irrepsIn
        self.irrepsOut = irrepsOut
        self.instructions = instructions
        self.weightCount = weight.size
        self.polynomial = try EquivariantPolynomial(
            name: "linear", inputs: [weight, irrepsIn.operand(named: "x")], outputs: [irrepsOut.operand(named: "y")],
            terms: [PolynomialTerm(inputs: [0, 1], output: 0, modes: ["uv", "u", "v"], paths: paths)])
    }
}
