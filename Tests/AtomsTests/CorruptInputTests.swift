// SwiftMACE, MIT licence.
// Corrupt-input property test: real data files truncated and damaged at many seeded random places must give an
// AtomsError (or, where the damage leaves a valid file, a result) — never a crash, a trap or a hang.

import Support
import Foundation
import Testing
import TestSupport

@testable import Atoms

@Suite struct CorruptInputTests {
    /// A real fixture and how strictly truncation must fail.
    struct Case: CustomStringConvertible, Sendable {
        var fixture: String
        var format: DataFormat
        /// For binary and JSON files every truncation is invalid; extxyz may be cut at a frame boundary.
        var everyTruncationFails: Bool
        var description: String { fixture }
    }

    static let fileCases: [Case] = [
        Case(fixture: "atoms/extxyz/3bpa_train_300K_head.xyz", format: .extxyz, everyTruncationFails: false),
        Case(fixture: "atoms/extxyz/tial_head.xyz", format: .extxyz, everyTruncationFails: false),
        Case(fixture: "atoms/extxyz/ethanol_isolated_atoms.xyz", format: .extxyz, everyTruncationFails: false),
        Case(fixture: "atoms/numpy/rmd17/rmd17_ethanol_train_01_head5.npz", format: .npz, everyTruncationFails: true),
        Case(fixture: "atoms/numpy/rmd17/rmd17_ethanol_train_01_head3_compressed.npz", format: .npz, everyTruncationFails: true),
        Case(fixture: "atoms/numpy/pymatgen/Si_training_excerpt.json", format: .pymatgenJSON, everyTruncationFails: true),
    ]

    private static func scratchFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-corrupt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Reads `bytes` as `format`; returns the configurations, or nil when an `AtomsError` was thrown. Any other
    /// error type fails the test.
    private static func read(_ bytes: [UInt8], as format: DataFormat, at url: URL) throws -> [Configuration]? {
        try Data(bytes).write(to: url)
        do {
            return try DatasetReader.read(path: url.path, format: format).configurations
        } catch is AtomsError {
            return nil
        }
    }

    /// Byte offsets at which an extxyz file may be cut and stay valid: frame starts and the end.
    private static func frameBoundaries(of text: [UInt8]) -> Set<Int> {
        var lineStarts = [0]
        for (i, byte) in text.enumerated() where byte == UInt8(ascii: "\n") { lineStarts.append(i + 1) }
        var boundaries: Set<Int> = [0, text.count]
        var line = 0
        while line < lineStarts.count - 1 {
            let start = lineStarts[line]
            let end = lineStarts[line + 1] - 1
            guard let count = Int(String(decoding: text[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces))
            else { break }
            line += count + 2
            if line < lineStarts.count { boundaries.insert(lineStarts[line]) }
        }
        return boundaries
    }

    @Test(arguments: fileCases)
    func truncatedFilesGiveErrors(_ testCase: Case) throws {
        let original = [UInt8](try Fixtures.data(testCase.fixture))
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent(URL(fileURLWithPath: testCase.fixture).lastPathComponent)
        let intact = try #require(try Self.read(original, as: testCase.format, at: target))
        #expect(!intact.isEmpty)

        let boundaries = Self.frameBoundaries(of: original)
        var generator = SeededGenerator(seed: 0x7a11_0001)
        for trial in 0..<60 {
            let cut = Int.random(in: 0..<original.count, using: &generator)
            let result = try Self.read(Array(original[..<cut]), as: testCase.format, at: target)
            if testCase.everyTruncationFails || !Self.isNearBoundary(cut, boundaries, in: original) {
                #expect(result == nil, "seed \(generator.seed) trial \(trial): cut at byte \(cut) of \(original.count) was accepted")
            } else if let result {
                #expect(result.count <= intact.count)
            }
        }
    }

    /// Whether a cut lies in the last line of a frame or at a boundary, where the shortened file may still parse
    /// (a number cut short is still a number).
    private static func isNearBoundary(_ cut: Int, _ boundaries: Set<Int>, in text: [UInt8]) -> Bool {
        if boundaries.contains(cut) { return true }
        // The cut is harmless only inside the final line before a boundary.
        var end = cut
        while end < text.count, text[end] != UInt8(ascii: "\n") { end += 1 }
        return boundaries.contains(min(end + 1, text.count)) || end == text.count
    }

    @Test(arguments: fileCases)
    func damagedBytesNeverCrash(_ testCase: Case) throws {
        let original = [UInt8](try Fixtures.data(testCase.fixture))
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let target = folder.appendingPathComponent(URL(fileURLWithPath: testCase.fixture).lastPathComponent)
        var generator = SeededGenerator(seed: 0x7a11_0002)
        let replacements: [[UInt8]] = [
            Array("nan".utf8), Array("inf".utf8), Array("x".utf8), Array("-".utf8), Array("\n".utf8),
            Array("99999999999999999999".utf8), [0], [0xFF], Array("\"".utf8), Array("=".utf8), Array("}".utf8),
        ]
        for _ in 0..<120 {
            var bytes = original
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:  // overwrite a few bytes with random values
                for offset in 0..<Int.random(in: 1...8, using: &generator) where position + offset < bytes.count {
                    bytes[position + offset] = UInt8.random(in: 0...255, using: &generator)
                }
            case 1:  // splice in a troublesome token
                bytes.replaceSubrange(position..<min(position + 1, bytes.count), with: replacements.randomElement(using: &generator)!)
            default:  // delete a run of bytes
                bytes.removeSubrange(position..<min(position + Int.random(in: 1...64, using: &generator), bytes.count))
            }
            _ = try Self.read(bytes, as: testCase.format, at: target)
        }
    }

    @Test func damagedDeePMDFolderGivesErrors() throws {
        let source = Fixtures.url("atoms/numpy/deepmd/water/data_0")
        let folder = try Self.scratchFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let system = folder.appendingPathComponent("data_0")
        try FileManager.default.copyItem(at: source, to: system)
        let files = ["type.raw", "type_map.raw", "set.000/coord.npy", "set.000/box.npy", "set.000/force.npy", "set.000/energy.npy"]
        var generator = SeededGenerator(seed: 0x7a11_0003)
        for trial in 0..<60 {
            let name = files.randomElement(using: &generator)!
            let url = system.appendingPathComponent(name)
            let original = try Data(contentsOf: url)
            defer { try? original.write(to: url) }
            let cut = Int.random(in: 0..<original.count, using: &generator)
            try original.prefix(cut).write(to: url)
            do {
                _ = try DatasetReader.read(path: system.path, format: .deepmd)
                // Cutting trailing whitespace of a text file can leave it valid; binary cuts never can.
                #expect(name.hasSuffix(".raw"), "seed \(generator.seed) trial \(trial): \(name) cut at \(cut) accepted")
            } catch is AtomsError {
            }
        }
    }
}
