// SwiftMACE, MIT licence.
// BackwardPolynomialCache: the pruned backward rewrites the polynomial Tensor op evaluates, derived once per
// (polynomial, inputs needing a gradient, cotangents present) instead of on every backward pass.

import Foundation

/// Pruned `backward(withRespectTo:)` polynomials by value, shared process-wide; bounded (cleared when full).
/// Rewriting a symmetric contraction's thousands of coefficients costs milliseconds, more than evaluating it on a
/// small molecule.
final class BackwardPolynomialCache: @unchecked Sendable {
    static let shared = BackwardPolynomialCache()

    private struct Key: Hashable {
        let polynomial: EquivariantPolynomial
        let wrt: [Int]
        let present: [Int]
    }

    private let lock = NSLock()
    private var entries: [Key: EquivariantPolynomial] = [:]

    /// `polynomial.backward(withRespectTo: wrt)` restricted to the original inputs and the cotangents of the
    /// outputs `present` (terms reading an absent cotangent dropped).
    func pruned(_ polynomial: EquivariantPolynomial, wrt: [Int], present: [Int]) throws -> EquivariantPolynomial {
        let key = Key(polynomial: polynomial, wrt: wrt, present: present)
        if let cached = lock.withLock({ entries[key] }) { return cached }
        let full = try polynomial.backward(withRespectTo: wrt)
        let pruned = full.keepingInputs(Array(polynomial.inputs.indices) + present.map { polynomial.inputs.count + $0 })
        lock.withLock {
            if entries.count >= 256 { entries.removeAll() }
            entries[key] = pruned
        }
        return pruned
    }
}
