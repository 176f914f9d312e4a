// SwiftMACE, MIT licence.
// Wigner 3j symbols in e3nn's real basis, reproducing e3nn 0.4.4's `o3.wigner_3j` table including its sign
// convention (MACE.md §3.3: Racah CG → real basis → normalise → sign rule → un-sort), with a thread-safe cache.

import Foundation

/// e3nn 0.4.4's Wigner 3j tensors `C[2l1+1, 2l2+1, 2l3+1]` in the real SH basis.
///
/// `C` is invariant (`C_lmn = Σ C_ijk D¹_il D²_jm D³_kn` for every rotation), has Frobenius norm 1 and carries no
/// parity. Signs follow e3nn 0.4.4, which differs from e3nn ≥ 0.5 for many odd `l1+l2+l3` (MACE.md §3.4).
public enum Wigner3j {
    /// The largest degree e3nn 0.4.4 tabulates (its `wigner_3j` raises beyond it).
    public static let maxDegree = 11

    /// The Wigner 3j tensor for `(l1, l2, l3)`, computed once and cached for the process.
    /// - Returns: shape `[2l1+1, 2l2+1, 2l3+1]`, row-major.
    /// - Throws: `EquivarianceError.unsupported` unless `|l1−l2| ≤ l3 ≤ l1+l2` and all degrees are in
    ///   `0...maxDegree`.
    public static func tensor(_ l1: Int, _ l2: Int, _ l3: Int) throws -> DenseArray {
        guard [l1, l2, l3].allSatisfy({ (0...maxDegree).contains($0) }) else {
            throw EquivarianceError.unsupported(
                "wigner_3j(\(l1), \(l2), \(l3)): degrees must be in 0...\(maxDegree)")
        }
        guard abs(l1 - l2) <= l3, l3 <= l1 + l2 else {
            throw EquivarianceError.unsupported(
                "wigner_3j(\(l1), \(l2), \(l3)): degrees violate the triangle rule |l1-l2| <= l3 <= l1+l2")
        }
        return cache.value(for: [l1, l2, l3]) { unsorted(l1, l2, l3) }
    }

    private static let cache = Wigner3jCache()

    /// Step 5: e3nn 0.4.4 evaluates six `if`s (not `elif`), so the LAST matching case wins; odd permutations carry
    /// `(−1)^(l1+l2+l3)`. `source[axis]` names which axis of the output feeds each axis of the sorted tensor.
    private static func unsorted(_ l1: Int, _ l2: Int, _ l3: Int) -> DenseArray {
        let l = [l1, l2, l3]
        let sign: Double = (l1 + l2 + l3) % 2 == 0 ? 1 : -1
        // (sorted tensor's axes as output axes, sign), in e3nn's order of tests.
        let cases: [(condition: Bool, source: [Int], sign: Double)] = [
            (l1 <= l2 && l2 <= l3, [0, 1, 2], 1),
            (l1 <= l3 && l3 <= l2, [0, 2, 1], sign),
            (l2 <= l1 && l1 <= l3, [1, 0, 2], sign),
            (l3 <= l2 && l2 <= l1, [2, 1, 0], sign),
            (l2 <= l3 && l3 <= l1, [1, 2, 0], 1),
            (l3 <= l1 && l1 <= l2, [2, 0, 1], 1),
        ]
        let chosen = cases.last { $0.condition } ?? cases[0]
        let sortedTensor = cache.value(for: chosen.source.map { l[$0] } + [-1]) {
            sortedTriple(l[chosen.source[0]], l[chosen.source[1]], l[chosen.source[2]])
        }
        // out[i0, i1, i2] = sign · T[i_source0, i_source1, i_source2], via T's stride for each output axis.
        let sortedShape = sortedTensor.shape
        let sortedStrides = [sortedShape[1] * sortedShape[2], sortedShape[2], 1]
        var stride = [0, 0, 0]
        for (sortedAxis, outputAxis) in chosen.source.enumerated() { stride[outputAxis] = sortedStrides[sortedAxis] }
        var values: [Double] = []
        values.reserveCapacity(sortedTensor.values.count)
        for i0 in 0..<(2 * l1 + 1) {
            for i1 in 0..<(2 * l2 + 1) {
                for i2 in 0..<(2 * l3 + 1) {
                    values.append(chosen.sign * sortedTensor.values[i0 * stride[0] + i1 * stride[1] + i2 * stride[2]])
                }
            }
        }
        return DenseArray(shape: l.map { 2 * $0 + 1 }, values: values)
    }

    /// Steps 2–4 for `a ≤ b ≤ c`: complex CG, real basis, unit Frobenius norm, zero |x| < 1e-14, sign rule.
    private static func sortedTriple(_ a: Int, _ b: Int, _ c: Int) -> DenseArray {
        let g = ClebschGordan.table(a, b, c)
        let qa = RealBasisChange.columns(l: a)
        let qb = RealBasisChange.columns(l: b)
        let qc = RealBasisChange.columns(l: c)
        let (da, db, dc) = (2 * a + 1, 2 * b + 1, 2 * c + 1)
        var values = [Double](repeating: 0, count: da * db * dc)
        // C'[j,k,n] = Re Σ Q_a[i,j] Q_b[p,k] conj(Q_c[q,n]) G[i,p,q], with G nonzero only for q−c = (i−a)+(p−b).
        for j in 0..<da {
            for k in 0..<db {
                for n in 0..<dc {
                    var sum = ComplexNumber(re: 0, im: 0)
                    for (i, x) in qa[j] {
                        for (p, y) in qb[k] {
                            let q = c + (i - a) + (p - b)
                            for (row, z) in qc[n] where row == q {
                                let cg = ComplexNumber(re: g.values[(i * db + p) * dc + q], im: 0)
                                let term = x * y * z.conjugate * cg
                                sum = ComplexNumber(re: sum.re + term.re, im: sum.im + term.im)
                            }
                        }
                    }
                    values[(j * db + k) * dc + n] = sum.re
                }
            }
        }
        let norm = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        values = values.map { abs($0 / norm) < 1e-14 ? 0 : $0 / norm }
        let allZeroM = (a * db + b) * dc + c
        let reference = values[allZeroM] != 0 ? values[allZeroM] : (values.first { $0 != 0 } ?? 1)
        if reference < 0 { values = values.map { -$0 } }
        return DenseArray(shape: [da, db, dc], values: values)
    }
}

/// Process-wide memo of computed 3j tensors, keyed by degrees (sorted tables carry a trailing −1).
private final class Wigner3jCache: @unchecked Sendable {
    // @unchecked: every access to `tensors` holds `lock`.
    private let lock = NSLock()
    private var tensors: [[Int]: DenseArray] = [:]

    func value(for key: [Int], compute: () -> DenseArray) -> DenseArray {
        lock.lock()
        if let cached = tensors[key] {
            lock.unlock()
            return cached
        }
        lock.unlock()
        // Computed outside the lock: the inner sorted-table lookup re-enters the cache.
        // A race computes the same table twice, harmlessly.
        let computed = compute()
        lock.lock()
        defer { lock.unlock() }
        tensors[key] = computed
        return computed
    }
}
