// SwiftMACE, MIT licence.
// The change of basis from e3nn's real spherical-harmonic basis to the complex |l m⟩ basis, Q_l of MACE.md §3.3
// step 3 (e3nn ≥ 0.5 `change_basis_real_to_complex`, including the (−i)^l factor that makes the 3j real).

/// A complex number, only for the basis change.
struct ComplexNumber: Sendable, Equatable {
    var re: Double
    var im: Double

    static func * (a: ComplexNumber, b: ComplexNumber) -> ComplexNumber {
        ComplexNumber(re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re)
    }

    var conjugate: ComplexNumber { ComplexNumber(re: re, im: -im) }
}

enum RealBasisChange {
    /// The nonzero entries of each column of Q_l: `columns[realIndex]` lists `(row = l+m, value)`.
    /// Each column has one (m = 0) or two entries.
    static func columns(l: Int) -> [[(row: Int, value: ComplexNumber)]] {
        let s = 1 / 2.0.squareRoot()
        var q = [[ComplexNumber]](
            repeating: [ComplexNumber](repeating: ComplexNumber(re: 0, im: 0), count: 2 * l + 1), count: 2 * l + 1)
        for m in stride(from: -l, to: 0, by: 1) {
            q[l + m][l - m] = ComplexNumber(re: s, im: 0)
            q[l + m][l + m] = ComplexNumber(re: 0, im: -s)
        }
        q[l][l] = ComplexNumber(re: 1, im: 0)
        for m in stride(from: 1, through: l, by: 1) {
            let sign: Double = m % 2 == 0 ? 1 : -1
            q[l + m][l + m] = ComplexNumber(re: sign * s, im: 0)
            q[l + m][l - m] = ComplexNumber(re: 0, im: sign * s)
        }
        // (−i)^l cycles through 1, −i, −1, i.
        let phase = [ComplexNumber(re: 1, im: 0), ComplexNumber(re: 0, im: -1), ComplexNumber(re: -1, im: 0),
                     ComplexNumber(re: 0, im: 1)][l % 4]
        return (0..<(2 * l + 1)).map { column in
            (0..<(2 * l + 1)).compactMap { row in
                let value = q[row][column]
                return value == ComplexNumber(re: 0, im: 0) ? nil : (row, phase * value)
            }
        }
    }
}
