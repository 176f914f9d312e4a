// SwiftMACE, MIT licence.
// Irreps: an ordered direct sum of O(3) irreps with multiplicities, e3nn 0.4.4's `o3.Irreps` (MACE.md §1).

/// An ordered list of `(mul, irrep)` entries, e.g. `128x0e+128x1o`.
///
/// Feature vectors with these irreps use e3nn's mul_ir layout (MACE.md §1.2): the entries' blocks are concatenated,
/// block `b` being a row-major `[mul_b, 2l_b+1]` array. Entry order matters and is kept as given; equality is
/// entry-wise (`1x0e+1x0e != 2x0e`, as in e3nn).
public struct Irreps: Sendable, Hashable {
    /// The entries, in order.
    public let entries: [MulIrrep]

    public init(_ entries: [MulIrrep]) { self.entries = entries }

    /// Builds from `(mul, irrep)` pairs.
    public init(_ pairs: [(Int, Irrep)]) { self.entries = pairs.map { MulIrrep($0.0, $0.1) } }

    /// No entries (e3nn `Irreps("")`), dimension 0.
    public static let empty = Irreps([MulIrrep]())

    /// One copy of a single irrep, `1x<irrep>`.
    public init(_ irrep: Irrep) { self.entries = [MulIrrep(1, irrep)] }

    /// `1x0e+1x1o+1x2e+…+1x(lmax)` with parity `(−1)^l` (e3nn `Irreps.spherical_harmonics(lmax)`).
    public static func sphericalHarmonics(lmax: Int) -> Irreps {
        precondition(lmax >= 0, "lmax must be non-negative, got \(lmax)")
        return Irreps((0...lmax).map { MulIrrep(1, Irrep($0, .natural($0))) })
    }

    /// Total number of scalars: `Σ mul·(2l+1)`.
    public var dim: Int { entries.reduce(0) { $0 + $1.dim } }

    /// Number of irreps counted with multiplicity: `Σ mul`.
    public var numIrreps: Int { entries.reduce(0) { $0 + $1.mul } }

    /// The largest degree among entries of non-zero multiplicity; `nil` when there is none
    /// (e3nn raises for that case).
    public var lmax: Int? { entries.filter { $0.mul > 0 }.map(\.irrep.l).max() }

    /// Total multiplicity of `irrep` over all entries.
    public func count(of irrep: Irrep) -> Int {
        entries.reduce(0) { $0 + ($1.irrep == irrep ? $1.mul : 0) }
    }

    /// Whether some entry (even of multiplicity 0) carries `irrep` (e3nn `ir in irreps`).
    public func contains(_ irrep: Irrep) -> Bool { entries.contains { $0.irrep == irrep } }

    /// The start of each entry's block in the mul_ir layout; `offsets.count == entries.count`.
    public var offsets: [Int] {
        var start = 0
        return entries.map { entry in
            defer { start += entry.dim }
            return start
        }
    }

    /// The index range of each entry's block in the mul_ir layout (e3nn `Irreps.slices()`).
    public var slices: [Range<Int>] {
        zip(offsets, entries).map { $0..<($0 + $1.dim) }
    }

    /// The entries whose irrep satisfies `isIncluded`, in order (multiplicities unchanged).
    public func filter(keeping isIncluded: (Irrep) -> Bool) -> Irreps {
        Irreps(entries.filter { isIncluded($0.irrep) })
    }

    /// The entries whose irrep is one of `irreps`, in order.
    public func filter(keeping irreps: Set<Irrep>) -> Irreps { filter { irreps.contains($0) } }
}
