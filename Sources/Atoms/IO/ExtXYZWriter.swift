// SwiftMACE, MIT licence.
// Extended XYZ writer: the comment line and columns ASE writes (ase.io.extxyz.write_xyz), with labels
// under PropertyKeys names and every number in shortest round-trip form, so reading back is exact.

import Support

/// Writes configurations as extended XYZ that ASE and `ExtXYZReader` read back to identical values.
///
/// Comment line order: `Lattice` (only for a non-zero cell, as ASE), `Properties=species:S:1:pos:R:3`
/// then the forces column under `keys.forces` and every column of `arrays`; then the energy, stress and
/// virials under their `keys` names (tensors as 9 numbers, column-major under ASE's `stress`/`virial`
/// keys and row-major under any other key, the orders ASE and mace-torch read), `config_type` (unless
/// "Default"), the mace weight keys that differ from 1, every `info` value, and `pbc` last.
///
/// What extxyz cannot tell apart reads back differently, in ASE too: a one-element array reads back as a
/// scalar, an empty array or empty string as `.ints([])`, text that looks like a number or T/F as that
/// number or boolean, and `.strings` as `.json`.
public enum ExtXYZWriter {
    /// The extxyz text of `configurations`.
    /// - Throws: `AtomsError` when a configuration cannot be written faithfully: a NaN or infinite number
    ///   (`.notFinite`), an atomic number outside 1…118 (`.unknownElement`), a column or forces array whose
    ///   length is not the atom count (`.shapeMismatch`), a line break in a key or text, a column name or
    ///   string value that would split the line, or an info key or column name that the reader would take
    ///   as a label or structural key (`.malformed`).
    public static func string(for configurations: [Configuration], keys: PropertyKeys = PropertyKeys()) throws
        -> String
    {
        try render(configurations, destination: "<extxyz output>", keys: keys)
    }

    /// Writes `configurations` to `path` atomically (temporary file, then rename).
    /// - Throws: `AtomsError` as `string(for:keys:)`, `FileWriteError` when the file cannot be written.
    public static func write(_ configurations: [Configuration], to path: String, keys: PropertyKeys = PropertyKeys())
        throws
    {
        try AtomicFile.write(render(configurations, destination: path, keys: keys), to: path)
    }

    static func render(_ configurations: [Configuration], destination: String, keys: PropertyKeys) throws -> String {
        var output = ""
        for (index, configuration) in configurations.enumerated() {
            let frame = ExtXYZFrameWriter(
                configuration: configuration, keys: keys,
                location: InputLocation(file: destination, key: "frame \(index + 1)"))
            try frame.write(to: &output)
        }
        return output
    }
}

/// Writes one frame, checking as it goes that the file will read back to the same configuration.
struct ExtXYZFrameWriter {
    let configuration: Configuration
    let keys: PropertyKeys
    let location: InputLocation

    init(configuration: Configuration, keys: PropertyKeys, location: InputLocation) {
        self.configuration = configuration
        self.keys = keys
        self.location = location
    }

    func write(to output: inout String) throws {
        let columns = try perAtomColumns()
        output += "\(configuration.numAtoms)\n"
        output += try commentLine(columns: columns)
        output += "\n"
        try writeAtomLines(columns: columns, to: &output)
    }

    // MARK: Comment line

    private func commentLine(columns: [(name: String, column: PerAtomColumn)]) throws -> String {
        var fields: [String] = []
        if configuration.cell != .zero {
            let numbers = try configuration.cell.rowMajor.map { try real($0, key: "Lattice") }
            fields.append("Lattice=\"\(numbers.joined(separator: " "))\"")
        }
        var properties = "species:S:1:pos:R:3"
        for (name, column) in columns {
            properties += ":\(name):\(Self.kindLetter(column.values)):\(column.width)"
        }
        // Quoted only when a column name holds a quote, bracket or '=' (ASE writes it bare).
        fields.append("Properties=" + ExtXYZValueText.quoted(properties))
        for (key, value) in try labelValues() {
            fields.append(try pair(key, value))
        }
        for (key, value) in configuration.info {
            try checkInfoKey(key)
            fields.append(try pair(key, value))
        }
        fields.append("pbc=\"\(configuration.pbc)\"")
        return fields.joined(separator: " ")
    }

    /// Energy, stress, virials, config_type and weights, as info values under their file keys.
    private func labelValues() throws -> [(String, InfoValue)] {
        var values: [(String, InfoValue)] = []
        if let energy = configuration.energy { values.append((keys.energy, .double(energy))) }
        if let stress = configuration.stress {
            values.append((keys.stress, .doubles(ExtXYZLabels.tensorNumbers(stress, key: keys.stress))))
        }
        if let virials = configuration.virials {
            values.append((keys.virials, .doubles(ExtXYZLabels.tensorNumbers(virials, key: keys.virials))))
        }
        if configuration.configType != "Default" {
            values.append((ExtXYZLabels.configTypeKey, .string(configuration.configType)))
        }
        for (key, field) in ExtXYZLabels.weightFields where configuration[keyPath: field] != 1 {
            values.append((key, .double(configuration[keyPath: field])))
        }
        return values
    }

    /// Rejects info keys that would be read back as something else: structural keys, mace's config keys,
    /// the label keys, and the ASE-name fallback of a label this configuration does not have.
    private func checkInfoKey(_ key: String) throws {
        var reserved = ExtXYZLabels.structuralKeys
        reserved.insert(ExtXYZLabels.configTypeKey)
        reserved.formUnion(ExtXYZLabels.weightFields.map(\.key))
        let labels: [(candidates: [String], present: Bool)] = [
            (keys.energyCandidates, configuration.energy != nil),
            (keys.stressCandidates, configuration.stress != nil),
            (keys.virialsCandidates, configuration.virials != nil),
        ]
        for (candidates, present) in labels {
            // With the label present, its key comes first on reading and a fallback name stays in info.
            reserved.formUnion(present ? Array(candidates.prefix(1)) : candidates)
        }
        guard !reserved.contains(key) else {
            throw AtomsError.malformed(
                location.key(key), found: "info key '\(key)'",
                expected: "an info key that is not read back as a label, Lattice, Properties or pbc")
        }
    }

    private func pair(_ key: String, _ value: InfoValue) throws -> String {
        try checkText(key, key: key)
        try checkFinite(value, key: key)
        let text = ExtXYZValueText.text(of: value)
        try checkText(text, key: key)
        return ExtXYZValueText.quoted(key) + "=" + ExtXYZValueText.quoted(text)
    }

    private func checkFinite(_ value: InfoValue, key: String) throws {
        let numbers: [Double]
        switch value {
        case .double(let number): numbers = [number]
        case .doubles(let values): numbers = values
        default: return
        }
        for number in numbers { _ = try real(number, key: key) }
    }

    private func checkText(_ text: String, key: String) throws {
        guard !text.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) else {
            throw AtomsError.malformed(location.key(key), found: "a line break", expected: "text on one line")
        }
        guard !key.isEmpty else {
            throw AtomsError.malformed(location, found: "an empty info key", expected: "a non-empty key")
        }
    }

    // MARK: Atom lines

    /// Forces (under `keys.forces`) then `arrays`, each checked for name and length.
    private func perAtomColumns() throws -> [(name: String, column: PerAtomColumn)] {
        var columns: [(name: String, column: PerAtomColumn)] = []
        if let forces = configuration.forces {
            guard forces.count == configuration.numAtoms else {
                throw AtomsError.shapeMismatch(
                    location.key(keys.forces), found: "\(forces.count) forces",
                    expected: "\(configuration.numAtoms), one per atom")
            }
            columns.append((keys.forces, PerAtomColumn(width: 3, values: .reals(forces.flatMap { [$0.x, $0.y, $0.z] }))))
        }
        var reserved: Set<String> = ["species", "symbols", "Z", "numbers", "pos", "positions", keys.forces]
        if configuration.forces == nil { reserved.formUnion(keys.forcesCandidates) }
        for (name, column) in configuration.arrays {
            guard !reserved.contains(name) else {
                throw AtomsError.malformed(
                    location.key(name), found: "column '\(name)'",
                    expected: "a column name that is not read back as species, positions or forces")
            }
            guard !name.isEmpty, !name.utf8.contains(where: { ExtXYZNumbers.isSpace($0) || $0 == UInt8(ascii: ":") })
            else {
                throw AtomsError.malformed(
                    location.key(name), found: "column name '\(name)'", expected: "a name without whitespace or ':'")
            }
            guard column.count == configuration.numAtoms else {
                throw AtomsError.shapeMismatch(
                    location.key(name), found: "\(column.count) rows", expected: "\(configuration.numAtoms), one per atom")
            }
            columns.append((name, column))
        }
        return columns
    }

    private func writeAtomLines(columns: [(name: String, column: PerAtomColumn)], to output: inout String) throws {
        for atom in 0..<configuration.numAtoms {
            let number = configuration.atomicNumbers[atom]
            guard let symbol = Element.symbol(of: number) else {
                throw AtomsError.unknownElement(location, found: String(number))
            }
            var line = symbol.count < 2 ? symbol + " " : symbol
            let position = configuration.positions[atom]
            for value in [position.x, position.y, position.z] {
                line += " " + Self.padded(try real(value, key: "pos"), to: 20)
            }
            for (name, column) in columns {
                for component in 0..<column.width {
                    line += " " + (try field(column, index: atom * column.width + component, name: name))
                }
            }
            output += line
            output += "\n"
        }
    }

    private func field(_ column: PerAtomColumn, index: Int, name: String) throws -> String {
        switch column.values {
        case .reals(let values): return Self.padded(try real(values[index], key: name), to: 20)
        case .ints(let values): return Self.padded(String(values[index]), to: 8)
        case .bools(let values): return ExtXYZValueText.logical(values[index])
        case .strings(let values):
            let text = values[index]
            guard !text.isEmpty, !text.utf8.contains(where: ExtXYZNumbers.isSpace) else {
                throw AtomsError.malformed(
                    location.key(name), found: "'\(text)'", expected: "a non-empty string without whitespace")
            }
            return text
        }
    }

    private func real(_ value: Double, key: String) throws -> String {
        guard value.isFinite else {
            throw AtomsError.notFinite(location.key(key), found: "\(value)")
        }
        return ExtXYZValueText.real(value)
    }

    private static func padded(_ text: String, to width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    private static func kindLetter(_ values: PerAtomColumn.Values) -> String {
        switch values {
        case .strings: "S"
        case .reals: "R"
        case .ints: "I"
        case .bools: "L"
        }
    }
}
