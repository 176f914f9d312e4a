// SwiftMACE, MIT licence.
// Typed storage for the atom lines of one extxyz frame: converts each field by its Properties column
// (S, R, I, L) and gathers species, positions and every other column.

import Support

/// Collects the values of one frame's atom lines column by column.
struct ExtXYZColumnBuffers {
    /// The values of one `.other` column, flat and atom-major; only the array of its kind is used.
    private struct Buffer {
        var column: ExtXYZColumn
        var reals: [Double] = []
        var integers: [Int] = []
        var strings: [String] = []
        var logicals: [Bool] = []
    }

    private let properties: ExtXYZProperties
    private var speciesNumbers: [Int] = []
    private var columnNumbers: [Int] = []
    private var positions: [SIMD3<Double>] = []
    private var others: [Buffer]

    init(properties: ExtXYZProperties, reservingFor atomCount: Int) {
        self.properties = properties
        others = properties.columns.filter { $0.role == .other }.map { Buffer(column: $0) }
        for column in properties.columns {
            switch column.role {
            case .species: speciesNumbers.reserveCapacity(atomCount)
            case .atomicNumbers: columnNumbers.reserveCapacity(atomCount)
            case .positions: positions.reserveCapacity(atomCount)
            case .other: break
            }
        }
        for index in others.indices {
            let capacity = atomCount * others[index].column.width
            switch others[index].column.kind {
            case .real: others[index].reals.reserveCapacity(capacity)
            case .integer: others[index].integers.reserveCapacity(capacity)
            case .string: others[index].strings.reserveCapacity(capacity)
            case .logical: others[index].logicals.reserveCapacity(capacity)
            }
        }
    }

    /// Converts the fields of one atom line (already checked to number `properties.fieldCount`).
    mutating func append(fields: [Range<Int>], bytes: UnsafeBufferPointer<UInt8>, location: InputLocation) throws {
        var field = 0
        var other = 0
        for column in properties.columns {
            switch column.role {
            case .species:
                speciesNumbers.append(try Self.atomicNumber(bytes, fields[field], location: location))
            case .atomicNumbers:
                let range = fields[field]
                guard let number = ExtXYZNumbers.integer(bytes, range) else {
                    throw Self.malformed(bytes, range, expected: "an atomic number in column '\(column.name)'", location)
                }
                guard Element.symbol(of: number) != nil else {
                    throw AtomsError.unknownElement(location, found: String(number))
                }
                columnNumbers.append(number)
            case .positions:
                positions.append(
                    SIMD3(
                        try Self.real(bytes, fields[field], column: column, location: location),
                        try Self.real(bytes, fields[field + 1], column: column, location: location),
                        try Self.real(bytes, fields[field + 2], column: column, location: location)))
            case .other:
                for offset in 0..<column.width {
                    try appendValue(bytes, fields[field + offset], to: other, location: location)
                }
                other += 1
            }
            field += column.width
        }
    }

    private mutating func appendValue(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, to index: Int, location: InputLocation
    ) throws {
        let column = others[index].column
        switch column.kind {
        case .real:
            others[index].reals.append(try Self.real(bytes, range, column: column, location: location))
        case .integer:
            guard let value = ExtXYZNumbers.integer(bytes, range) else {
                throw Self.malformed(bytes, range, expected: "an integer in column '\(column.name)'", location)
            }
            others[index].integers.append(value)
        case .string:
            others[index].strings.append(String(decoding: bytes[range], as: UTF8.self))
        case .logical:
            // ASE's parse_bool for L columns accepts T, F, True and False.
            switch String(decoding: bytes[range], as: UTF8.self) {
            case "T", "True": others[index].logicals.append(true)
            case "F", "False": others[index].logicals.append(false)
            default:
                throw Self.malformed(bytes, range, expected: "T or F in column '\(column.name)'", location)
            }
        }
    }

    /// The atomic numbers, positions and other columns of the frame.
    func finished(location: InputLocation) throws -> ([Int], [SIMD3<Double>], OrderedFields<PerAtomColumn>) {
        let roles = properties.columns.map(\.role)
        guard roles.contains(.species) || roles.contains(.atomicNumbers) else {
            throw AtomsError.missingKey(
                location.key("Properties"), key: "species", expected: "a species:S:1 or Z:I:1 column")
        }
        guard roles.contains(.positions) else {
            throw AtomsError.missingKey(location.key("Properties"), key: "pos", expected: "a pos:R:3 column")
        }
        var arrays = OrderedFields<PerAtomColumn>()
        for buffer in others {
            let values: PerAtomColumn.Values =
                switch buffer.column.kind {
                case .real: .reals(buffer.reals)
                case .integer: .ints(buffer.integers)
                case .string: .strings(buffer.strings)
                case .logical: .bools(buffer.logicals)
                }
            arrays[buffer.column.name] = PerAtomColumn(width: buffer.column.width, values: values)
        }
        // As in ASE, atomic numbers from a Z column take precedence over species.
        let numbers = roles.contains(.atomicNumbers) ? columnNumbers : speciesNumbers
        return (numbers, positions, arrays)
    }

    /// A species field: an element symbol in any case (ASE capitalises it: "CL" → "Cl") or an atomic number.
    private static func atomicNumber(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, location: InputLocation
    ) throws -> Int {
        if let number = ExtXYZNumbers.integer(bytes, range) {
            guard Element.symbol(of: number) != nil else {
                throw AtomsError.unknownElement(location, found: String(number))
            }
            return number
        }
        let symbol = String(decoding: bytes[range], as: UTF8.self)
        let capitalised = symbol.prefix(1).uppercased() + symbol.dropFirst().lowercased()
        guard range.count <= 3, let number = Element.atomicNumber(of: capitalised) else {
            throw AtomsError.unknownElement(location, found: shortened(symbol))
        }
        return number
    }

    private static func real(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, column: ExtXYZColumn, location: InputLocation
    ) throws -> Double {
        switch ExtXYZNumbers.real(bytes, range) {
        case .finite(let value): return value
        case .notFinite:
            throw AtomsError.notFinite(
                location.key(column.name), found: shortened(String(decoding: bytes[range], as: UTF8.self)))
        case .invalid:
            throw malformed(bytes, range, expected: "a real number in column '\(column.name)'", location)
        }
    }

    private static func malformed(
        _ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, expected: String, _ location: InputLocation
    ) -> AtomsError {
        AtomsError.malformed(location, found: shortened(String(decoding: bytes[range], as: UTF8.self)), expected: expected)
    }

    /// At most 60 characters of a field, so a corrupt file cannot make a huge message.
    private static func shortened(_ text: String) -> String {
        text.count > 60 ? String(text.prefix(60)) + "…" : text
    }
}
