// SwiftMACE, MIT licence.
// Parsing and printing of e3nn irreps strings: "128x0e+128x1o", "128x0e + 128x1o", "2x1o+3e", "" (MACE.md §1.1);
// Codable as that string.

extension Irreps: CustomStringConvertible {
    /// Parses an e3nn irreps string, the grammar of e3nn 0.4.4's `Irreps(str)`.
    ///
    /// Entries are joined by `+`; each is `<mul>x<irrep>` or `<irrep>` (multiplicity 1); spaces around the parts are
    /// allowed; a blank string is the empty Irreps. Example: `try Irreps(parsing: "128x0e + 128x1o")`.
    /// - Throws: `EquivarianceError.invalidIrreps` quoting the whole text and the entry that failed.
    public init(parsing text: String) throws {
        if text.allSatisfy(\.isWhitespace) {
            self = .empty
            return
        }
        var parsed: [MulIrrep] = []
        for part in text.split(separator: "+", omittingEmptySubsequences: false) {
            parsed.append(try Irreps.parseEntry(String(part), in: text))
        }
        self.init(parsed)
    }

    /// Bounds that keep `dim` far from integer overflow for any parsed text.
    private static let maxMultiplicity = 1 << 32
    private static let maxDegree = 1 << 16

    private static func parseEntry(_ part: String, in text: String) throws -> MulIrrep {
        let pieces = part.split(separator: "x", omittingEmptySubsequences: false)
        let expectation = "entry '\(part.trimmingWhitespace)' is not of the form '<mul>x<irrep>' such as '128x1o'"
        guard pieces.count <= 2 else { throw EquivarianceError.invalidIrreps(text, reason: expectation) }
        var mul = 1
        if pieces.count == 2 {
            guard let value = Int(pieces[0].trimmingWhitespace), value >= 0 else {
                throw EquivarianceError.invalidIrreps(text, reason: expectation)
            }
            guard value <= maxMultiplicity else {
                throw EquivarianceError.invalidIrreps(
                    text, reason: "multiplicity \(value) exceeds the supported maximum \(maxMultiplicity)")
            }
            mul = value
        }
        let irrepText = pieces[pieces.count - 1].trimmingWhitespace
        guard let last = irrepText.last, last == "e" || last == "o",
            let l = Int(irrepText.dropLast()), l >= 0
        else {
            throw EquivarianceError.invalidIrreps(text, reason: expectation)
        }
        guard l <= maxDegree else {
            throw EquivarianceError.invalidIrreps(
                text, reason: "degree \(l) exceeds the supported maximum \(maxDegree)")
        }
        return MulIrrep(mul, Irrep(l, last == "e" ? .even : .odd))
    }

    /// e3nn's printed form: entries `"<mul>x<l><p>"` joined by `+`, no spaces; the empty Irreps prints `""`.
    public var description: String { entries.map(\.description).joined(separator: "+") }
}

extension StringProtocol {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}

extension Irreps: Codable {
    /// Decodes the e3nn string form, e.g. `"128x0e+128x1o"`.
    /// - Throws: `DecodingError.dataCorrupted` carrying the `EquivarianceError` message.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch let error as EquivarianceError {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    /// Encodes the e3nn string form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
