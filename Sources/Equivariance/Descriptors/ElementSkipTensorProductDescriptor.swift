// SwiftMACE, MIT licence.
// ElementSkipTensorProductDescriptor: mace's skip_tp, e3nn 0.4.4's FullyConnectedTensorProduct(irrepsIn,
// `n_el x 0e` one-hot, irrepsOut) (MACE.md §5.3) as an EquivariantPolynomial.

/// e3nn 0.4.4 `FullyConnectedTensorProduct(irrepsIn, "<elementCount>x0e", irrepsOut)`, mace's skip_tp (MACE.md §5.3):
/// one 'uvw' instruction per `(i1, i_out)` with equal irreps (i1-major), so with a one-hot second input
/// `z[i_out][w, m] = Σ_{ins → i_out} pathWeight/√(2l+1) · Σ_u W_ins[u, element, w] · x[i1][u, m]`, i.e.
/// `1/√(Σ mul1 · n_el)` times an element-dependent linear map.
///
/// Polynomial operands: inputs `[weight, x, attributes]`, output `[z]`.
/// - `weight`: `[weightCount]`, e3nn's flat weight: blocks `[mul1, elementCount, mul_out]` concatenated in
///   instruction order (segments `[mul1, n_el, mul_out, 1]`); usually `.shared`.
/// - `x`: `[irrepsIn.dim]` mul_ir. `attributes`: `[elementCount]` (mace: the one-hot node attributes; any
///   invariant vector works). `z`: `[irrepsOut.dim]` mul_ir.
/// One term `uvw·u·v -> w`, coefficients `pathWeight · C^(l,0,l)[i,0,k]` (e3nn 0.4.4's Wigner 3j).
public struct ElementSkipTensorProductDescriptor: Sendable, Hashable, Codable {
    public let irrepsIn: Irreps
    public let elementCount: Int
    public let irrepsOut: Irreps
    /// The 'uvw' instructions, `input2` always 0 (the `elementCount x 0e` entry).
    public let instructions: [TensorProductInstruction]
    /// Length of the flat weight.
    public let weightCount: Int
    public let polynomial: EquivariantPolynomial

    /// - Throws: `EquivarianceError.unsupported` when `elementCount < 1`.
    public init(irrepsIn: Irreps, elementCount: Int, irrepsOut: Irreps) throws {
        guard elementCount >= 1 else {
            throw EquivarianceError.unsupported("skip tensor product needs at least 1 element; got \(elementCount)")
        }
        let scalar = Irrep(0, .even)
        var raw: [(Int, Int, Int, [Int])] = []
        for (i, entryIn) in irrepsIn.entries.enumerated() {
            for (o, entryOut) in irrepsOut.entries.enumerated() where (entryIn.irrep * scalar).contains(entryOut.irrep) {
                raw.append((i, 0, o, [entryIn.mul, elementCount, entryOut.mul]))
            }
        }
        let instructions = TensorProductInstruction.normalised(raw, mode: .uvw, outputs: irrepsOut)
        var paths: [PolynomialPath] = []
        for (n, ins) in instructions.enumerated() {
            let l = irrepsIn.entries[ins.input1].irrep.l
            let entries = try ins.scaledWigner3j(l, 0, l)
            paths.append(
                PolynomialPath(
                    segments: [n, ins.input1, 0, ins.output],
                    coefficients: entries.map { PolynomialCoefficient([0, $0.0, $0.1, $0.2], $0.3) }))
        }
        let weight = PolynomialOperand(name: "weight", segments: instructions.map { $0.pathShape + [1] })
        let attributes = PolynomialOperand(
            name: "attributes", segments: [[elementCount, 1]], irreps: Irreps([MulIrrep(elementCount, scalar)]))
        self.irrepsIn = irrepsIn
        self.elementCount = elementCount
        self.irrepsOut = irrepsOut
        self.instructions = instructions
        self.weightCount = weight.size
        self.polynomial = try EquivariantPolynomial(
            name: "element_skip_tensor_product", inputs: [weight, irrepsIn.operand(named: "x"), attributes],
            outputs: [irrepsOut.operand(named: "z")],
            terms: [PolynomialTerm(inputs: [0, 1, 2], output: 0, modes: ["uvw", "u", "v", "w"], paths: paths)])
    }
}
