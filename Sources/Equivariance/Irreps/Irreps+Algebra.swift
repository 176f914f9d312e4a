// SwiftMACE, MIT licence.
// Irreps algebra of e3nn 0.4.4: concatenation, repetition, simplify, sort, and the product of two irreps.

extension Irreps {
    /// Concatenation of the entry lists (e3nn `irreps1 + irreps2`); does not merge.
    public static func + (a: Irreps, b: Irreps) -> Irreps { Irreps(a.entries + b.entries) }

    /// The entry list repeated `times` times, e3nn's `Irreps * int` (python tuple repetition, NOT a multiplicity
    /// product): `Irreps("2x1e") * 3 == "2x1e+2x1e+2x1e"`. mace gets `128x0e+128x1o+…` from
    /// `(sh_irreps * 128).sort().irreps.simplify()`. A non-positive count gives the empty Irreps, as in python.
    public static func * (irreps: Irreps, times: Int) -> Irreps {
        Irreps(Array([[MulIrrep]](repeating: irreps.entries, count: max(times, 0)).joined()))
    }

    /// e3nn's `int * Irreps`: the same repetition as `irreps * times`.
    public static func * (times: Int, irreps: Irreps) -> Irreps { irreps * times }

    /// Each multiplicity multiplied by `factor` (not an e3nn operator; e.g. `"1x0e+1x1o"` → `"128x0e+128x1o"`).
    public func multiplyingMultiplicities(by factor: Int) -> Irreps {
        precondition(factor >= 0, "multiplicity factor must be non-negative, got \(factor)")
        return Irreps(entries.map { MulIrrep($0.mul * factor, $0.irrep) })
    }

    /// Merges ADJACENT entries of the same irrep and drops zero multiplicities; never reorders
    /// (e3nn `simplify`: `1e+1e+0e+1e → 2x1e+1x0e+1x1e`).
    public func simplified() -> Irreps {
        var out: [MulIrrep] = []
        for entry in entries {
            if let last = out.last, last.irrep == entry.irrep {
                out[out.count - 1] = MulIrrep(last.mul + entry.mul, entry.irrep)
            } else if entry.mul > 0 {
                out.append(entry)
            }
        }
        return Irreps(out)
    }

    /// The result of `sorted()`: e3nn's `Irreps.sort()` named tuple `(irreps, p, inv)`.
    public struct Sorted: Sendable, Hashable {
        /// The entries sorted stably by irrep (`0o < 0e < 1o < 1e < …`), multiplicities untouched.
        public let irreps: Irreps
        /// `p[i]` = new position of original entry `i`.
        public let p: [Int]
        /// `inv[j]` = original position of sorted entry `j`.
        public let inv: [Int]
    }

    /// Stable sort of the entries by `(l, p)` with odd before even at equal `l` (e3nn `Irreps.sort()`, whose key
    /// `(ir, index, mul)` keeps ties in their original order). Does not merge; follow with `simplified()`.
    public func sorted() -> Sorted {
        let inv = entries.indices.sorted { (entries[$0].irrep, $0) < (entries[$1].irrep, $1) }
        var p = [Int](repeating: 0, count: inv.count)
        for (newPosition, original) in inv.enumerated() { p[original] = newPosition }
        return Sorted(irreps: Irreps(inv.map { entries[$0] }), p: p, inv: inv)
    }
}

extension Irrep {
    /// The irreps in `a ⊗ b`: `(l, p_a·p_b)` for `l = |l_a − l_b| … l_a + l_b`, increasing (e3nn `ir1 * ir2`).
    public static func * (a: Irrep, b: Irrep) -> [Irrep] {
        (abs(a.l - b.l)...(a.l + b.l)).map { Irrep($0, a.parity * b.parity) }
    }
}
