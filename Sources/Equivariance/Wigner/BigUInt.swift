// SwiftMACE, MIT licence.
// BigUInt: a minimal arbitrary-precision natural number (add, subtract, multiply by a small factor), enough to sum
// the Racah formula of the Clebsch–Gordan coefficients exactly (factorials up to 35! overflow UInt64 and Int128).

/// A natural number stored as little-endian 32-bit limbs, with no leading zero limbs.
struct BigUInt: Comparable, Sendable {
    private(set) var limbs: [UInt32]

    init(_ value: UInt64) {
        limbs = [UInt32(truncatingIfNeeded: value), UInt32(truncatingIfNeeded: value >> 32)]
        trim()
    }

    /// `Π primes[i]^exponents[i]`, all exponents non-negative.
    init(primes: [Int], exponents: [Int]) {
        self.init(1)
        for (prime, exponent) in zip(primes, exponents) {
            precondition(exponent >= 0, "BigUInt(primes:exponents:) needs non-negative exponents, got \(exponent)")
            for _ in 0..<exponent { multiply(by: UInt32(prime)) }
        }
    }

    var isZero: Bool { limbs.isEmpty }

    private mutating func trim() {
        while limbs.last == 0 { limbs.removeLast() }
    }

    mutating func multiply(by factor: UInt32) {
        var carry: UInt64 = 0
        for i in limbs.indices {
            let product = UInt64(limbs[i]) * UInt64(factor) + carry
            limbs[i] = UInt32(truncatingIfNeeded: product)
            carry = product >> 32
        }
        if carry > 0 { limbs.append(UInt32(carry)) }
        trim()
    }

    static func + (a: BigUInt, b: BigUInt) -> BigUInt {
        var result = a
        var carry: UInt64 = 0
        for i in 0..<max(a.limbs.count, b.limbs.count) {
            let sum = UInt64(i < a.limbs.count ? a.limbs[i] : 0) + UInt64(i < b.limbs.count ? b.limbs[i] : 0) + carry
            if i < result.limbs.count { result.limbs[i] = UInt32(truncatingIfNeeded: sum) } else {
                result.limbs.append(UInt32(truncatingIfNeeded: sum))
            }
            carry = sum >> 32
        }
        if carry > 0 { result.limbs.append(UInt32(carry)) }
        return result
    }

    /// `a − b`; requires `a ≥ b`.
    static func - (a: BigUInt, b: BigUInt) -> BigUInt {
        precondition(a >= b, "BigUInt subtraction would be negative")
        var result = a
        var borrow: Int64 = 0
        for i in result.limbs.indices {
            var difference = Int64(result.limbs[i]) - Int64(i < b.limbs.count ? b.limbs[i] : 0) - borrow
            borrow = difference < 0 ? 1 : 0
            if difference < 0 { difference += 1 << 32 }
            result.limbs[i] = UInt32(difference)
        }
        result.trim()
        return result
    }

    static func < (a: BigUInt, b: BigUInt) -> Bool {
        if a.limbs.count != b.limbs.count { return a.limbs.count < b.limbs.count }
        for i in a.limbs.indices.reversed() where a.limbs[i] != b.limbs[i] {
            return a.limbs[i] < b.limbs[i]
        }
        return false
    }

    /// The nearest `Double` up to a few ulp (one rounding per limb).
    var doubleValue: Double {
        limbs.reversed().reduce(0.0) { $0 * 4_294_967_296.0 + Double($1) }
    }
}
