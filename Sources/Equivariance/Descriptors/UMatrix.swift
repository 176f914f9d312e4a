// SwiftMACE, MIT licence.
// UMatrix: the coupling tensors U_ν of mace's symmetric contraction, generated as mace's `_wigner_nj` /
// `U_matrix_real` do (MACE.md §7.3, `use_reduced_cg=False`), from e3nn 0.4.4's Wigner 3j.

/// mace's product-basis coupling tensors (MACE.md §7.3).
public enum UMatrix {
    /// `U_ν` for output irrep `output`: shape `[2L+1] + [d]*correlation + [K]` with `d = couplingIrreps.dim`
    /// (mace stores L = 0 without the leading axis of size 1). Columns `k` follow mace's order: the coupling paths
    /// sorted stably by their intermediate irreps. `K` may be 0 when no path reaches `output`.
    /// - Parameters:
    ///   - couplingIrreps: the input irreps with multiplicity 1, e.g. `1x0e+1x1o+1x2e+1x3o`.
    ///   - correlation: ν ≥ 1.
    /// - Throws: `EquivarianceError.unsupported` when ν < 1 or an intermediate degree exceeds
    ///   ``Wigner3j/maxDegree``.
    public static func generate(couplingIrreps: Irreps, output: Irrep, correlation: Int) throws -> DenseArray {
        guard correlation >= 1 else {
            throw EquivarianceError.unsupported("U matrix correlation must be at least 1; got \(correlation)")
        }
        // mace loops over the copies of every entry; splitting into multiplicity-1 entries does the same.
        let irreps = Irreps(couplingIrreps.entries.flatMap { Array(repeating: MulIrrep(1, $0.irrep), count: $0.mul) })
        let d = irreps.dim
        var paths = firstOrder(irreps)
        var leftRow = d
        if correlation > 1 {
            for order in 2...correlation {
                paths = try nextOrder(paths, irreps, leftRow: leftRow, keepOnly: order == correlation ? output : nil)
                leftRow *= d
            }
        }
        let columns = paths.filter { $0.irrep == output }
        let rowSize = (0..<correlation).reduce(1) { r, _ in r * d }
        let k = columns.count
        var values = [Double](repeating: 0, count: output.dimension * rowSize * k)
        for (column, path) in columns.enumerated() {
            for (key, value) in path.entries { values[key * k + column] = value }
        }
        return DenseArray(
            shape: [output.dimension] + Array(repeating: d, count: correlation) + [k], values: values)
    }

    /// A coupling path: its irrep and the sparse tensor `T[ir.dim, d^ν]`, keyed by `i · d^ν + flat`.
    private struct CouplingPath {
        let irrep: Irrep
        let entries: [Int: Double]
    }

    /// nj(1): one path per entry of ℐ (multiplicity 1), the rows of the identity for that block.
    private static func firstOrder(_ irreps: Irreps) -> [CouplingPath] {
        var paths: [CouplingPath] = []
        for (entry, offset) in zip(irreps.entries, irreps.offsets) {
            var entries: [Int: Double] = [:]
            for i in 0..<entry.irrep.dimension { entries[i * irreps.dim + offset + i] = 1 }
            paths.append(CouplingPath(irrep: entry.irrep, entries: entries))
        }
        return paths
    }

    /// nj(ν) from nj(ν−1): couple every path with every block of ℐ through `√(2l_out+1)·wigner_3j(l_out, l_left, l)`,
    /// then sort stably by irrep. `keepOnly` drops other irreps at the last order (their columns are never used;
    /// the stable sort keeps the order of the rest).
    /// `leftRow` = d^(ν−1), the row length of the previous paths. `irreps` has multiplicity-1 entries only.
    private static func nextOrder(_ previous: [CouplingPath], _ irreps: Irreps, leftRow: Int, keepOnly: Irrep?)
        throws -> [CouplingPath]
    {
        let d = irreps.dim
        var out: [CouplingPath] = []
        for left in previous {
            for (entry, offset) in zip(irreps.entries, irreps.offsets) {
                for irOut in left.irrep * entry.irrep {
                    if let keep = keepOnly, keep != irOut { continue }
                    let l = entry.irrep.l
                    let c = try Wigner3j.tensor(irOut.l, left.irrep.l, l)
                    let scale = Double(irOut.dimension).squareRoot()
                    let newRow = leftRow * d
                    var entries: [Int: Double] = [:]
                    for (key, value) in left.entries {
                        let (j, flat) = (key / leftRow, key % leftRow)
                        for i in 0..<irOut.dimension {
                            for q in 0..<(2 * l + 1) {
                                let w = c[i, j, q]
                                if w == 0 { continue }
                                entries[i * newRow + flat * d + offset + q, default: 0] += value * w * scale
                            }
                        }
                    }
                    out.append(CouplingPath(irrep: irOut, entries: entries))
                }
            }
        }
        return out.enumerated().sorted { ($0.element.irrep, $0.offset) < ($1.element.irrep, $1.offset) }.map(\.element)
    }
}
