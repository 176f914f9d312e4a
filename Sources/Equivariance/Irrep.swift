// SwiftMACE, MIT licence.
// Irrep: an irreducible representation of O(3), (l, parity), as e3nn 0.4.4's `o3.Irrep` (MACE.md §1.1).

import Foundation

/// Parity of an irrep: even (`e`, +1) or odd (`o`, −1).
public enum Parity: Int, Sendable, Hashable, Codable, Comparable {
    case odd = -1
    case even = 1

    public static func < (a: Parity, b: Parity) -> Bool { a.rawValue < b.rawValue }

    public static func * (a: Parity, b: Parity) -> Parity { a == b ? .even : .odd }

    /// The natural parity of degree `l`: (−1)^l, the parity of spherical harmonics.
    public static func natural(_ l: Int) -> Parity { l % 2 == 0 ? .even : .odd }

    var letter: String { self == .even ? "e" : "o" }
}

/// An irreducible representation of O(3): degree `l ≥ 0` and parity; dimension 2l+1.
///
/// Ordering is e3nn's tuple order `(l, p)` with `p = −1` before `p = +1`: `0o < 0e < 1o < 1e < …`.
public struct Irrep: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let l: Int
    public let parity: Parity

    public init(_ l: Int, _ parity: Parity) {
        precondition(l >= 0, "Irrep degree must be non-negative, got \(l)")
        self.l = l
        self.parity = parity
    }

    /// Parses "1o", "2e", "0e" (e3nn's short form).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let last = trimmed.last, last == "e" || last == "o",
            let l = Int(trimmed.dropLast()), l >= 0
        else {
            throw EquivarianceError.invalidIrreps(text, reason: "expected an irrep such as '0e' or '1o'")
        }
        self.init(l, last == "e" ? .even : .odd)
    }

    public var dimension: Int { 2 * l + 1 }

    public static func < (a: Irrep, b: Irrep) -> Bool {
        (a.l, a.parity.rawValue) < (b.l, b.parity.rawValue)
    }

    public var description: String { "\(l)\(parity.letter)" }
}
