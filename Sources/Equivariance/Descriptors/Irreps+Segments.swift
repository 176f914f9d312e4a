// SwiftMACE, MIT licence.
// The mul_ir blocks of an Irreps as polynomial operand segments: `[mul, 2l+1]` per entry (MACE.md §1.2).

extension Irreps {
    /// One segment per entry, `[mul, 2l+1]`, read with one channel mode.
    var channelSegments: [[Int]] { entries.map { [$0.mul, $0.irrep.dimension] } }

    /// The operand holding features with these irreps in the mul_ir layout.
    func operand(named name: String) -> PolynomialOperand {
        PolynomialOperand(name: name, segments: channelSegments, irreps: self)
    }
}
