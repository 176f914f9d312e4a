// SwiftMACE, MIT licence.
// Tests of ExtXYZWriter: exact round trips through ExtXYZReader, a golden file, every value kind, errors.
// With SWIFTMACE_WRITE_FIXTURES=1 the round-trip test also writes Tests/Fixtures/atoms/extxyz/written/, which
// tools/fixtures/check_extxyz_roundtrip.py reads back with ASE.

import Support
import Foundation
import Testing

import TestSupport

@testable import Atoms

@Suite struct ExtXYZWriterTests {
    private func roundTrip(_ configurations: [Configuration], keys: PropertyKeys = PropertyKeys()) throws
        -> [Configuration]
    {
        try ExtXYZReader.read(text: ExtXYZWriter.string(for: configurations, keys: keys), source: "w.xyz", keys: keys)
    }

    private func writeError(_ configuration: Configuration) -> String {
        do {
            _ = try ExtXYZWriter.string(for: [configuration])
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    private var water: Configuration {
        Configuration(
            atomicNumbers: [8, 1, 1], positions: [SIMD3(0, 0, 0), SIMD3(0.96, 0, 0), SIMD3(-0.24, 0.93, 0)])
    }

    @Test(arguments: extxyzFixtureNames)
    func writtenFixtureReadsBackEqual(name: String) throws {
        let keys = try ExtXYZExpectation(name: name).keys
        let original = try ExtXYZReader.read(contentsOf: Fixtures.url("atoms/extxyz/\(name).xyz"), keys: keys)
        let text = try ExtXYZWriter.string(for: original, keys: keys)
        #expect(try ExtXYZReader.read(text: text, source: "w.xyz", keys: keys) == original)
        if ProcessInfo.processInfo.environment["SWIFTMACE_WRITE_FIXTURES"] == "1" {
            let folder = Fixtures.url("atoms/extxyz/written")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try ExtXYZWriter.write(original, to: folder.appendingPathComponent("\(name).xyz").path, keys: keys)
        }
    }

    @Test func quirksOutputMatchesGoldenFile() throws {
        let original = try ExtXYZReader.read(contentsOf: Fixtures.url("atoms/extxyz/quirks.xyz"))
        let golden = try Fixtures.data("atoms/extxyz/written/quirks.xyz")
        #expect(Data(try ExtXYZWriter.string(for: original).utf8) == golden)
    }

    @Test func commentLineHasASELayout() throws {
        var configuration = water
        configuration.energy = -14.25
        let text = try ExtXYZWriter.string(for: [configuration])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "3")
        #expect(lines[1] == "Properties=species:S:1:pos:R:3 REF_energy=-14.25 pbc=\"F F F\"")
        #expect(lines[2] == "O                   0.0                  0.0                  0.0")
        configuration.cell = .diagonal(10, 11, 12.5)
        configuration.pbc = PBC(true, true, false)
        let periodic = try ExtXYZWriter.string(for: [configuration]).split(separator: "\n")[1]
        #expect(
            periodic
                == "Lattice=\"10.0 0.0 0.0 0.0 11.0 0.0 0.0 0.0 12.5\" Properties=species:S:1:pos:R:3 REF_energy=-14.25 pbc=\"T T F\"")
    }

    @Test func everyNumberRoundTripsBitForBit() throws {
        var generator = SeededGenerator(seed: 20_240_611)
        var configuration = water
        func next() -> Double { Double(bitPattern: generator.next() & 0x3FEF_FFFF_FFFF_FFFF) * 37 - 11 }
        configuration.positions = (0..<3).map { _ in SIMD3(next(), next(), next()) }
        configuration.forces = (0..<3).map { _ in SIMD3(next(), next(), next()) }
        configuration.cell = Matrix3(rowMajor: (0..<9).map { _ in next() })
        configuration.stress = Matrix3(rowMajor: (0..<9).map { _ in next() })
        configuration.virials = Matrix3(rowMajor: (0..<9).map { _ in next() })
        configuration.energy = next()
        configuration.info["x"] = .doubles([1e-300, Double.leastNonzeroMagnitude, 1.7976931348623157e308, -0.0, next()])
        for keys in [PropertyKeys(), PropertyKeys(stress: "stress", virials: "virial")] {
            #expect(try roundTrip([configuration], keys: keys) == [configuration], "keys \(keys)")
        }
    }

    @Test func everyInfoAndColumnKindRoundTrips() throws {
        var configuration = water
        configuration.configType = "liquid water"
        configuration.weight = 0.5
        configuration.virialsWeight = 0
        configuration.info["text"] = .string("say \"hi\" \\ {x} [y] a=b")
        configuration.info["word"] = .string("abc")
        configuration.info["flag"] = .bool(false)
        configuration.info["n"] = .int(-7)
        configuration.info["x"] = .double(2)
        configuration.info["ns"] = .ints([1, 2, 3])
        configuration.info["xs"] = .doubles([0.1, 0.2])
        configuration.info["flags"] = .bools([true, false])
        configuration.info["json"] = .json("{\"a\": [1, \"two\"]}")
        configuration.info["key with space"] = .int(1)
        configuration.arrays["tag"] = PerAtomColumn(width: 1, values: .ints([1, -2, 3]))
        configuration.arrays["odd=name{}"] = PerAtomColumn(width: 1, values: .reals([1, 2, 3]))
        configuration.arrays["mask"] = PerAtomColumn(width: 2, values: .bools([true, false, false, true, true, true]))
        configuration.arrays["name"] = PerAtomColumn(width: 1, values: .strings(["Ow", "Hw", "Hw"]))
        configuration.arrays["dipole"] = PerAtomColumn(width: 4, values: .reals((0..<12).map { Double($0) / 7 }))
        #expect(try roundTrip([configuration, water]) == [configuration, water])
    }

    @Test func whatExtXYZCannotTellApartReadsBackAsASEDoes() throws {
        var configuration = water
        configuration.info["one"] = .ints([4])
        configuration.info["none"] = .doubles([])
        configuration.info["names"] = .strings(["a", "b"])
        configuration.info["numeric"] = .string("12")
        let info = try roundTrip([configuration])[0].info
        #expect(info["one"] == .int(4))
        #expect(info["none"] == .ints([]))
        #expect(info["names"] == .json("[\"a\", \"b\"]"))
        #expect(info["numeric"] == .int(12))
    }

    @Test func unwritableConfigurationsThrowWithReason() {
        var nan = water
        nan.energy = .nan
        #expect(writeError(nan) == "<extxyz output>: key 'frame 1.REF_energy': value 'nan' is not finite")
        var short = water
        short.forces = [.zero]
        #expect(writeError(short) == "<extxyz output>: key 'frame 1.REF_forces': 1 forces; expected 3, one per atom")
        var clash = water
        clash.info["energy"] = .double(1)
        #expect(
            writeError(clash)
                == "<extxyz output>: key 'frame 1.energy': found 'info key 'energy''; expected an info key that is not read back as a label, Lattice, Properties or pbc"
        )
        var spaced = water
        spaced.arrays["name"] = PerAtomColumn(width: 1, values: .strings(["O", "H 1", "H"]))
        #expect(
            writeError(spaced)
                == "<extxyz output>: key 'frame 1.name': found ''H 1''; expected a non-empty string without whitespace")
        var multiline = water
        multiline.info["note"] = .string("a\nb")
        #expect(writeError(multiline) == "<extxyz output>: key 'frame 1.note': found 'a line break'; expected text on one line")
        var dummy = water
        dummy.atomicNumbers[0] = 0
        #expect(writeError(dummy) == "<extxyz output>: key 'frame 1': unknown element '0'")
    }

    @Test func writeReplacesFileAtomically() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("extxyz-\(getpid()).xyz").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try ExtXYZWriter.write([water], to: path)
        try ExtXYZWriter.write([water, water], to: path)
        #expect(try ExtXYZReader.read(contentsOf: URL(fileURLWithPath: path)) == [water, water])
    }
}
