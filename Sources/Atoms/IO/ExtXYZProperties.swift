// SwiftMACE, MIT licence.
// The extxyz `Properties=name:type:width:...` column layout of the atom lines, as ASE's `parse_properties`
// (ase/io/extxyz.py) reads it, with the ASE names for species, numbers and positions recognised.

import Support

/// One column group of the atom lines.
struct ExtXYZColumn: Equatable {
    /// The value type letter: S (string), R (real), I (integer), L (logical).
    enum Kind: Character {
        case string = "S"
        case real = "R"
        case integer = "I"
        case logical = "L"
    }

    /// What the reader does with the column.
    enum Role: Equatable {
        /// Element symbols (`species`, ASE's `symbols`); an atomic number is accepted too.
        case species
        /// Atomic numbers (`Z`, ASE's `numbers`); they take precedence over species, as in ASE.
        case atomicNumbers
        /// Cartesian positions (`pos`, ASE's `positions`).
        case positions
        /// Anything else, kept in `Configuration.arrays` (forces are taken from there by key).
        case other
    }

    var name: String
    var kind: Kind
    var width: Int
    var role: Role
}

/// The parsed `Properties` value: the column groups in order.
struct ExtXYZProperties: Equatable {
    /// ASE's default when a frame has no `Properties`.
    static let defaultSpecification = "species:S:1:pos:R:3"

    /// Widths above this are rejected before anything is allocated (no real file comes near it).
    static let maximumWidth = 1 << 20

    var columns: [ExtXYZColumn]
    /// The number of whitespace-separated fields on each atom line.
    var fieldCount: Int
    /// The text of the specification, for messages.
    var specification: String

    /// Parses `name:type:width` triplets.
    /// - Throws: `AtomsError.malformed` naming the bad part (type letter, width, or a part count that is not a
    ///   multiple of three), `.shapeMismatch` for a species/pos/Z column of the wrong type or width.
    init(_ specification: String, location: InputLocation) throws {
        self.specification = specification
        let parts = specification.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count % 3 == 0, !parts.isEmpty else {
            throw AtomsError.malformed(
                location.key("Properties"), found: specification, expected: "name:type:width triplets")
        }
        var columns: [ExtXYZColumn] = []
        var fieldCount = 0
        var names = Set<String>()
        for start in stride(from: 0, to: parts.count, by: 3) {
            let name = parts[start]
            guard !name.isEmpty, names.insert(name).inserted else {
                throw AtomsError.malformed(
                    location.key("Properties"), found: name.isEmpty ? specification : name,
                    expected: name.isEmpty ? "a column name in every triplet" : "each column name once")
            }
            guard parts[start + 1].count == 1, let letter = parts[start + 1].first,
                let kind = ExtXYZColumn.Kind(rawValue: letter)
            else {
                throw AtomsError.malformed(
                    location.key("Properties"), found: parts[start + 1],
                    expected: "a column type S, R, I or L for '\(name)'")
            }
            guard let width = Int(parts[start + 2]), width > 0, width <= Self.maximumWidth else {
                throw AtomsError.malformed(
                    location.key("Properties"), found: parts[start + 2],
                    expected: "a positive column count for '\(name)'")
            }
            let column = ExtXYZColumn(name: name, kind: kind, width: width, role: Self.role(of: name))
            try Self.checkShape(of: column, location: location)
            columns.append(column)
            fieldCount += width
        }
        self.columns = columns
        self.fieldCount = fieldCount
    }

    private static func role(of name: String) -> ExtXYZColumn.Role {
        switch name {
        case "species", "symbols": .species
        case "Z", "numbers": .atomicNumbers
        case "pos", "positions": .positions
        default: .other
        }
    }

    private static func checkShape(of column: ExtXYZColumn, location: InputLocation) throws {
        let expected: (kind: ExtXYZColumn.Kind, width: Int)
        switch column.role {
        case .species: expected = (.string, 1)
        case .atomicNumbers: expected = (.integer, 1)
        case .positions: expected = (.real, 3)
        case .other: return
        }
        guard column.kind == expected.kind, column.width == expected.width else {
            throw AtomsError.shapeMismatch(
                location.key("Properties"),
                found: "column '\(column.name)' is \(column.kind.rawValue):\(column.width)",
                expected: "\(column.name):\(expected.kind.rawValue):\(expected.width)")
        }
    }
}
