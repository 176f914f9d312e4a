// SwiftMACE, MIT licence.
// Complex SU(2) Clebsch–Gordan coefficients ⟨j1 m1; j2 m2 | j3 m3⟩ (Condon–Shortley) by the Racah formula, summed
// exactly with prime-exponent factorials and BigUInt (MACE.md §3.3 step 2; qutip / e3nn ≥ 0.5 `_su2_clebsch_gordan`).

enum ClebschGordan {
    /// `⟨j1 m1; j2 m2 | j3 m3⟩` for integer angular momenta; 0 unless `m3 = m1 + m2` and the triangle holds.
    static func coefficient(_ j1: Int, _ m1: Int, _ j2: Int, _ m2: Int, _ j3: Int, _ m3: Int) -> Double {
        guard m3 == m1 + m2, abs(j1 - j2) <= j3, j3 <= j1 + j2, abs(m1) <= j1, abs(m2) <= j2, abs(m3) <= j3 else {
            return 0
        }
        let primes = Self.primes(upTo: j1 + j2 + j3 + 1)
        let f = { (n: Int) in Self.factorialExponents(n, primes: primes) }

        // Prefactor (2j3+1)·(j3+j1−j2)!(j3−j1+j2)!(j1+j2−j3)!(j3+m3)!(j3−m3)!
        //           / ((j1+j2+j3+1)!(j1−m1)!(j1+m1)!(j2−m2)!(j2+m2)!); the (2j3+1) is applied below.
        var prefactor = Self.sum([f(j3 + j1 - j2), f(j3 - j1 + j2), f(j1 + j2 - j3), f(j3 + m3), f(j3 - m3)])
        let prefactorDenominatorExponents = Self.sum([
            f(j1 + j2 + j3 + 1), f(j1 - m1), f(j1 + m1), f(j2 - m2), f(j2 + m2),
        ])
        prefactor = Self.subtract(prefactor, prefactorDenominatorExponents)

        // Racah sum: terms as exact prime-exponent rationals over a common denominator.
        let vMin = max(-j1 + j2 + m3, -j1 + m1, 0)
        let vMax = min(j2 + j3 + m1, j3 - j1 + j2, j3 + m3)
        guard vMin <= vMax else { return 0 }
        var terms: [(negative: Bool, exponents: [Int])] = []
        for v in vMin...vMax {
            let numerator = Self.sum([f(j2 + j3 + m1 - v), f(j1 - m1 + v)])
            let denominator = Self.sum([f(v), f(j3 - j1 + j2 - v), f(j3 + m3 - v), f(v + j1 - j2 - m3)])
            terms.append(((v + j2 + m2) % 2 != 0, Self.subtract(numerator, denominator)))
        }
        let common = primes.indices.map { p in terms.map { max(0, -$0.exponents[p]) }.max() ?? 0 }
        var positive = BigUInt(0)
        var negative = BigUInt(0)
        for term in terms {
            let scaled = BigUInt(primes: primes, exponents: zip(term.exponents, common).map { $0 + $1 })
            if term.negative { negative = negative + scaled } else { positive = positive + scaled }
        }
        let sign: Double = positive < negative ? -1 : 1
        let magnitude = positive < negative ? negative - positive : positive - negative
        if magnitude.isZero { return 0 }

        let prefactorNumerator = BigUInt(primes: primes, exponents: prefactor.map { max($0, 0) })
        let prefactorDenominator = BigUInt(primes: primes, exponents: prefactor.map { max(-$0, 0) })
        let root = (Double(2 * j3 + 1) * prefactorNumerator.doubleValue / prefactorDenominator.doubleValue).squareRoot()
        let denominator = BigUInt(primes: primes, exponents: common)
        return sign * root * (magnitude.doubleValue / denominator.doubleValue)
    }

    /// The dense table `G[j1+m1, j2+m2, j3+m3]`, shape `[2j1+1, 2j2+1, 2j3+1]`.
    static func table(_ j1: Int, _ j2: Int, _ j3: Int) -> DenseArray {
        var g = DenseArray(zeros: [2 * j1 + 1, 2 * j2 + 1, 2 * j3 + 1])
        for m1 in -j1...j1 {
            for m2 in -j2...j2 where abs(m1 + m2) <= j3 {
                g[j1 + m1, j2 + m2, j3 + m1 + m2] = coefficient(j1, m1, j2, m2, j3, m1 + m2)
            }
        }
        return g
    }

    private static func primes(upTo n: Int) -> [Int] {
        guard n >= 2 else { return [] }
        return (2...n).filter { candidate in
            !(2..<candidate).contains { candidate % $0 == 0 && $0 * $0 <= candidate }
        }
    }

    /// Exponent of each prime in `n!` (Legendre's formula).
    private static func factorialExponents(_ n: Int, primes: [Int]) -> [Int] {
        primes.map { prime in
            var exponent = 0
            var power = prime
            while power <= n {
                exponent += n / power
                power *= prime
            }
            return exponent
        }
    }

    private static func sum(_ vectors: [[Int]]) -> [Int] {
        vectors.dropFirst().reduce(vectors[0]) { zip($0, $1).map { $0 + $1 } }
    }

    private static func subtract(_ a: [Int], _ b: [Int]) -> [Int] { zip(a, b).map { $0 - $1 } }
}
