// SwiftMACE, MIT licence.
// MulIrrep: one `(multiplicity, irrep)` entry of an Irreps, e3nn's `_MulIr` (MACE.md §1.1).

/// `mul` copies of one irrep, printed `"128x1o"`; in the mul_ir layout a `[mul, 2l+1]` row-major block.
public struct MulIrrep: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Multiplicity, `≥ 0` (e3nn keeps zero-multiplicity entries until `simplify`).
    public let mul: Int
    public let irrep: Irrep

    public init(_ mul: Int, _ irrep: Irrep) {
        precondition(mul >= 0, "multiplicity must be non-negative, got \(mul)")
        self.mul = mul
        self.irrep = irrep
    }

    /// Number of scalars in the block: `mul · (2l+1)`.
    public var dim: Int { mul * irrep.dimension }

    public var description: String { "\(mul)x\(irrep)" }
}
