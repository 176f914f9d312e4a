// SwiftMACE, MIT licence.
// Extended XYZ reader: frames of atom count, key=value comment line and typed atom columns, read as ASE's
// `ase.io.extxyz.read_xyz` (ASE 3.29) reads them, with labels taken out by PropertyKeys (ExtXYZLabels).

import Foundation
import Support

/// Reads extended XYZ files (multi-frame) into configurations.
///
/// Each frame is an atom count line, a comment line of `key=value` pairs (see `ExtXYZCommentLine`) and one
/// line per atom with the columns named by `Properties` (default `species:S:1:pos:R:3`).
/// `Lattice="ax ay az bx by bz cx cy cz"` gives the cell (rows are lattice vectors); `pbc="T T F"` the
/// periodic directions, which default to T T T when a Lattice is given and to F F F (with a zero cell)
/// otherwise, as in ASE. Energy, forces, stress and virials are read under `keys` (with the ASE-name
/// fallback of `PropertyKeys`); `config_type` and mace's weight keys fill their fields; every other value
/// goes to `info` or `arrays`, so writing a configuration back keeps each value once.
///
/// Differences from ASE, all for robustness: blank lines between frames are skipped (ASE stops reading at
/// the first blank line); an atom line must have exactly as many fields as `Properties` says (ASE ignores
/// extra fields); an unclosed quote, NaN or infinity is an error; a species may also be an atomic number.
public enum ExtXYZReader {
    /// Reads every frame of an extxyz file.
    /// - Parameters:
    ///   - url: the file; messages name it by `url.relativePath`, i.e. the path as the user gave it.
    ///   - keys: where the labels are (mace-torch's `--energy_key` etc.).
    /// - Returns: the configurations in file order.
    /// - Throws: `AtomsError` naming file, line and problem: `.cannotRead`, `.empty` (no frame at all),
    ///   `.truncated`, `.malformed`, `.shapeMismatch`, `.unknownElement`, `.notFinite`, `.missingKey`.
    public static func read(contentsOf url: URL, keys: PropertyKeys = PropertyKeys()) throws -> [Configuration] {
        let source = url.relativePath
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw AtomsError.cannotRead(InputLocation(file: source), reason: error.localizedDescription)
        }
        return try read(bytes: [UInt8](data), source: source, keys: keys)
    }

    /// Reads every frame of extxyz text; `source` names it in error messages.
    public static func read(
        text: String, source: String = "<text>", keys: PropertyKeys = PropertyKeys()
    ) throws -> [Configuration] {
        try read(bytes: Array(text.utf8), source: source, keys: keys)
    }

    static func read(bytes: [UInt8], source: String, keys: PropertyKeys) throws -> [Configuration] {
        var terminated = bytes
        // The NUL ends strtod's scan at the last token of the file (ExtXYZNumbers.real).
        terminated.append(0)
        return try terminated.withUnsafeBufferPointer { buffer in
            var parser = ExtXYZFrameParser(bytes: buffer, count: bytes.count, source: source, keys: keys)
            return try parser.readFrames()
        }
    }
}

/// The frame-by-frame parser over a NUL-terminated byte buffer.
struct ExtXYZFrameParser {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The number of content bytes (the NUL after them excluded).
    let count: Int
    let source: String
    let keys: PropertyKeys
    private var position = 0
    private var lineNumber = 0
    /// Field ranges of the current atom line, reused across lines.
    private var fields: [Range<Int>] = []

    init(bytes: UnsafeBufferPointer<UInt8>, count: Int, source: String, keys: PropertyKeys) {
        self.bytes = bytes
        self.count = count
        self.source = source
        self.keys = keys
    }

    mutating func readFrames() throws -> [Configuration] {
        var configurations: [Configuration] = []
        while let header = nextNonBlankLine() {
            configurations.append(try readFrame(header: header, index: configurations.count + 1))
        }
        guard !configurations.isEmpty else {
            throw AtomsError.empty(InputLocation(file: source), expected: "at least one extxyz frame")
        }
        return configurations
    }

    private func location(_ line: Int) -> InputLocation { InputLocation(file: source, line: line) }

    /// The next line without its newline; `nil` at the end of the input.
    private mutating func nextLine() -> Range<Int>? {
        guard position < count else { return nil }
        lineNumber += 1
        let start = position
        var index = start
        while index < count, bytes[index] != 0x0A { index += 1 }
        position = index < count ? index + 1 : count
        return start..<index
    }

    private mutating func nextNonBlankLine() -> Range<Int>? {
        while let line = nextLine() {
            if trimmed(line).isEmpty == false { return line }
        }
        return nil
    }

    private func trimmed(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper, ExtXYZNumbers.isSpace(bytes[lower]) { lower += 1 }
        while upper > lower, ExtXYZNumbers.isSpace(bytes[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    /// The text of a token for a message, shortened so a corrupt line cannot make a huge message.
    private func text(_ range: Range<Int>) -> String {
        let limit = 60
        let end = range.count > limit ? range.lowerBound + limit : range.upperBound
        return String(decoding: bytes[range.lowerBound..<end], as: UTF8.self) + (range.count > limit ? "…" : "")
    }

    private mutating func readFrame(header: Range<Int>, index: Int) throws -> Configuration {
        let headerLine = lineNumber
        let countText = trimmed(header)
        guard let atomCount = ExtXYZNumbers.integer(bytes, countText), atomCount >= 0 else {
            throw AtomsError.malformed(
                location(headerLine), found: text(countText),
                expected: "the atom count of frame \(index) (a non-negative integer)")
        }
        guard let commentRange = nextLine() else {
            throw AtomsError.truncated(location(headerLine), expected: "a comment line after the atom count")
        }
        let commentLocation = location(lineNumber)
        var info = try ExtXYZCommentLine.info(bytes, trimmed(commentRange), location: commentLocation)
        let (cell, pbc) = try Self.cellAndPBC(from: &info, location: commentLocation)
        let properties = try Self.properties(from: &info, location: commentLocation)

        // Every field takes at least two bytes, so this bounds the reservation by the file size.
        let plausibleAtoms = min(atomCount, (count - position) / (2 * properties.fieldCount))
        var columns = ExtXYZColumnBuffers(properties: properties, reservingFor: plausibleAtoms)
        for atom in 0..<atomCount {
            guard let line = nextLine() else {
                throw AtomsError.truncated(
                    location(headerLine), expected: "\(atomCount) atom lines in frame \(index); found \(atom)")
            }
            try splitFields(line, properties: properties)
            try columns.append(fields: fields, bytes: bytes, location: location(lineNumber))
        }
        let (atomicNumbers, positions, arrays) = try columns.finished(location: commentLocation)
        var configuration = Configuration(atomicNumbers: atomicNumbers, positions: positions, cell: cell, pbc: pbc)
        var remainingArrays = arrays
        try ExtXYZLabels.apply(
            to: &configuration, info: &info, arrays: &remainingArrays, keys: keys, location: commentLocation)
        configuration.info = info
        configuration.arrays = remainingArrays
        return configuration
    }

    private mutating func splitFields(_ line: Range<Int>, properties: ExtXYZProperties) throws {
        fields.removeAll(keepingCapacity: true)
        var index = line.lowerBound
        while index < line.upperBound {
            while index < line.upperBound, ExtXYZNumbers.isSpace(bytes[index]) { index += 1 }
            let start = index
            while index < line.upperBound, !ExtXYZNumbers.isSpace(bytes[index]) { index += 1 }
            if index > start { fields.append(start..<index) }
        }
        guard fields.count == properties.fieldCount else {
            throw AtomsError.shapeMismatch(
                location(lineNumber), found: "\(fields.count) fields on the atom line",
                expected: "\(properties.fieldCount) from Properties '\(properties.specification)'")
        }
    }

    /// Takes `Lattice` and `pbc` out of the info; pbc defaults to T T T with a Lattice, F F F without.
    private static func cellAndPBC(
        from info: inout OrderedFields<InfoValue>, location: InputLocation
    ) throws -> (Matrix3, PBC) {
        var cell = Matrix3.zero
        var pbc = PBC.none
        if let lattice = info.removeValue(forKey: "Lattice") {
            guard let numbers = lattice.doublesValue, numbers.count == 9 else {
                throw AtomsError.malformed(
                    location.key("Lattice"), found: ExtXYZValueText.text(of: lattice), expected: "9 real numbers")
            }
            // Lattice lists a, b, c one after another, so the rows of the cell in order.
            cell = Matrix3(rowMajor: numbers)
            pbc = .all
        }
        if let value = info.removeValue(forKey: "pbc") {
            pbc = try Self.pbc(value, location: location)
        }
        return (cell, pbc)
    }

    private static func pbc(_ value: InfoValue, location: InputLocation) throws -> PBC {
        let flags: [Bool]?
        switch value {
        case .bool(let flag): flags = [flag, flag, flag]
        case .bools(let values): flags = values
        case .int(let number) where number == 0 || number == 1: flags = Array(repeating: number == 1, count: 3)
        case .ints(let numbers) where numbers.allSatisfy({ $0 == 0 || $0 == 1 }): flags = numbers.map { $0 == 1 }
        default: flags = nil
        }
        guard let flags, flags.count == 3 else {
            throw AtomsError.malformed(
                location.key("pbc"), found: ExtXYZValueText.text(of: value), expected: "3 logical values such as \"T T F\"")
        }
        return PBC(flags[0], flags[1], flags[2])
    }

    private static func properties(
        from info: inout OrderedFields<InfoValue>, location: InputLocation
    ) throws -> ExtXYZProperties {
        guard let value = info.removeValue(forKey: "Properties") else {
            return try ExtXYZProperties(ExtXYZProperties.defaultSpecification, location: location)
        }
        guard case .string(let specification) = value else {
            throw AtomsError.malformed(
                location.key("Properties"), found: ExtXYZValueText.text(of: value),
                expected: "name:type:width triplets")
        }
        return try ExtXYZProperties(specification, location: location)
    }
}
