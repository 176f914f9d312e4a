// SwiftMACE, MIT licence.
// ChannelwiseTensorProductDescriptor: mace's conv_tp, an e3nn 0.4.4 'uvu' TensorProduct with per-edge weights,
// built from mace's `tp_out_irreps_with_instructions` (MACE.md §6.2) as an EquivariantPolynomial.

/// mace's conv_tp (MACE.md §6.2): for every `(i1, i2)` and `ir_out ∈ ir1 ⊗ ir2` present in `target`, one 'uvu' path
/// into its own output slot; the slots sorted stably by irrep give ``irrepsMid`` (NOT simplified), and the
/// instructions are renumbered and ordered by slot.
/// `mid[slot][u, k] = pathWeight · Σ_{v,i,j} R[u, v] C[i,j,k] x1[i1][u, i] x2[i2][v, j]`, `pathWeight = √((2l_out+1)/mul2)`.
///
/// Polynomial operands: inputs `[weight, x1, x2]`, output `[mid]`.
/// - `weight`: `[weightCount]` per item (mace: the radial-MLP output row of an edge), the instruction blocks
///   `[mul1, mul2]` concatenated in instruction (= slot) order: the radial-MLP column order.
/// - `x1`: `[irreps1.dim]` mul_ir (mace: `h_up[sender]`, gather with `.indexed(sender, rows: numNodes)`).
/// - `x2`: `[irreps2.dim]` mul_ir (mace: the edge's spherical harmonics).
/// - `mid`: `[irrepsMid.dim]` mul_ir (mace: scatter-add into receivers with `.indexed(receiver, rows: numNodes)`).
/// When every entry of `irreps2` has multiplicity 1 (mace) the term is "uniform 1d": `u·u·(none) -> u`, weight
/// segments `[mul1, 1]`, x2 segments `[2l+1]`; otherwise `uv·u·v -> u`.
public struct ChannelwiseTensorProductDescriptor: Sendable, Hashable, Codable {
    public let irreps1: Irreps
    public let irreps2: Irreps
    public let target: Irreps
    /// The output irreps: the slots sorted by irrep, not simplified (the input irreps of mace's `linear`).
    public let irrepsMid: Irreps
    /// The 'uvu' instructions in slot order; `output` is the slot (entry of ``irrepsMid``).
    public let instructions: [TensorProductInstruction]
    /// Length of the per-item weight vector (mace's `conv_tp.weight_numel`).
    public let weightCount: Int
    public let polynomial: EquivariantPolynomial

    /// - Parameters:
    ///   - irreps1: node features (mace: the block's edge irreps, output of `linear_up`).
    ///   - irreps2: edge attributes (mace: `1x0e+1x1o+…`, the spherical harmonics).
    ///   - target: irreps an output must belong to (mace: the interaction irreps).
    /// - Throws: `EquivarianceError.unsupported` for degrees beyond ``Wigner3j/maxDegree``.
    public init(irreps1: Irreps, irreps2: Irreps, target: Irreps) throws {
        var slots: [MulIrrep] = []
        var raw: [(Int, Int, Int)] = []
        for (i, entry1) in irreps1.entries.enumerated() {
            for (j, entry2) in irreps2.entries.enumerated() {
                for irOut in entry1.irrep * entry2.irrep where target.contains(irOut) {
                    raw.append((i, j, slots.count))
                    slots.append(MulIrrep(entry1.mul, irOut))
                }
            }
        }
        let sorted = Irreps(slots).sorted()
        let renumbered = raw.map { i, j, k in
            (i, j, sorted.p[k], [irreps1.entries[i].mul, irreps2.entries[j].mul])
        }.sorted { $0.2 < $1.2 }
        let instructions = TensorProductInstruction.normalised(renumbered, mode: .uvu, outputs: sorted.irreps)
        let uniform = irreps2.entries.allSatisfy { $0.mul == 1 }
        var paths: [PolynomialPath] = []
        for (n, ins) in instructions.enumerated() {
            let ls = (irreps1.entries[ins.input1].irrep.l, irreps2.entries[ins.input2].irrep.l,
                      sorted.irreps.entries[ins.output].irrep.l)
            let entries = try ins.scaledWigner3j(ls.0, ls.1, ls.2)
            paths.append(
                PolynomialPath(
                    segments: [n, ins.input1, ins.input2, ins.output],
                    coefficients: entries.map { PolynomialCoefficient([0, $0.0, $0.1, $0.2], $0.3) }))
        }
        let weight = PolynomialOperand(
            name: "weight", segments: instructions.map { uniform ? [$0.pathShape[0], 1] : $0.pathShape + [1] })
        let x2 = PolynomialOperand(
            name: "x2", segments: uniform ? irreps2.entries.map { [$0.irrep.dimension] } : irreps2.channelSegments,
            irreps: irreps2)
        self.irreps1 = irreps1
        self.irreps2 = irreps2
        self.target = target
        self.irrepsMid = sorted.irreps
        self.instructions = instructions
        self.weightCount = weight.size
        self.polynomial = try EquivariantPolynomial(
            name: "channelwise_tensor_product", inputs: [weight, irreps1.operand(named: "x1"), x2],
            outputs: [sorted.irreps.operand(named: "mid")],
            terms: [
                PolynomialTerm(
                    inputs: [0, 1, 2], output: 0, modes: uniform ? ["u", "u", "", "u"] : ["uv", "u", "v", "u"],
                    paths: paths)
            ])
    }
}
