// SwiftMACE, MIT licence.
// Tests of ExtXYZReader: fixtures against what ASE reads, label keys, comment-line quirks and exact errors.

import Foundation
import Testing

import TestSupport

@testable import Atoms

@Suite struct ExtXYZReaderTests {
    private func read(_ text: String, keys: PropertyKeys = PropertyKeys()) throws -> [Configuration] {
        try ExtXYZReader.read(text: text, source: "t.xyz", keys: keys)
    }

    private func readError(_ text: String, keys: PropertyKeys = PropertyKeys()) -> String {
        do {
            _ = try read(text, keys: keys)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test(arguments: extxyzFixtureNames)
    func readsWhatASEReads(name: String) throws {
        let expected = try ExtXYZExpectation(name: name)
        let configurations = try ExtXYZReader.read(
            contentsOf: Fixtures.url("atoms/extxyz/\(name).xyz"), keys: expected.keys)
        #expect(configurations.count == expected.configurations.count)
        for (actual, reference) in zip(configurations, expected.configurations) {
            #expect(aseView(of: actual) == reference)
        }
    }

    @Test func jsonValuesAreKeptVerbatim() throws {
        let configurations = try ExtXYZReader.read(contentsOf: Fixtures.url("atoms/extxyz/3bpa_train_300K_head.xyz"))
        #expect(configurations[0].info["dihedrals"] == .json("[209.44, 80.54, 59.96]"))
        #expect(configurations[0].info.keys == ["dihedrals"])
    }

    @Test func defaultKeysFallBackToASENamesButExplicitKeysDoNot() throws {
        let text = "1\nenergy=-2.5 Properties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2 3\n"
        let fallback = try read(text)[0]
        #expect(fallback.energy == -2.5)
        #expect(fallback.forces == [SIMD3(1, 2, 3)])
        #expect(fallback.info.isEmpty && fallback.arrays.isEmpty)
        let explicit = try read(text, keys: PropertyKeys(energy: "my_energy", forces: "my_forces"))[0]
        #expect(explicit.energy == nil)
        #expect(explicit.forces == nil)
        #expect(explicit.info["energy"] == .double(-2.5))
        #expect(explicit.arrays["forces"] == PerAtomColumn(width: 3, values: .reals([1, 2, 3])))
    }

    @Test func chosenKeyWinsOverASENameWhichStaysInInfo() throws {
        let configuration = try read("1\nenergy=1.0 REF_energy=2.0\nH 0 0 0\n")[0]
        #expect(configuration.energy == 2.0)
        #expect(configuration.info["energy"] == .double(1.0))
    }

    @Test func stressNineNumbersAreColumnMajorOnlyUnderASESpecialKeys() throws {
        let nine = "1 2 3 4 5 6 7 8 9"
        let special = try read("1\nstress=\"\(nine)\"\nH 0 0 0\n")[0]
        #expect(special.stress == Matrix3(rowMajor: [1, 4, 7, 2, 5, 8, 3, 6, 9]))
        let plain = try read("1\nREF_stress=\"\(nine)\" REF_virials=\"\(nine)\"\nH 0 0 0\n")[0]
        #expect(plain.stress == Matrix3(rowMajor: [1, 2, 3, 4, 5, 6, 7, 8, 9]))
        #expect(plain.virials == Matrix3(rowMajor: [1, 2, 3, 4, 5, 6, 7, 8, 9]))
        let virial = try read("1\nvirial=\"\(nine)\"\nH 0 0 0\n", keys: PropertyKeys(virials: "virial"))[0]
        #expect(virial.virials == Matrix3(rowMajor: [1, 4, 7, 2, 5, 8, 3, 6, 9]))
    }

    @Test func speciesMayBeAtomicNumbersAndZColumnWins() throws {
        let numbers = try read("2\n\n6 0 0 0\n1 0 0 1\n")[0]
        #expect(numbers.atomicNumbers == [6, 1])
        let zColumn = try read("1\nProperties=species:S:1:pos:R:3:Z:I:1\nH 0 0 0 8\n")[0]
        #expect(zColumn.atomicNumbers == [8])
        #expect(zColumn.arrays.isEmpty)
    }

    @Test func blankLinesBetweenAndAfterFramesAreSkipped() throws {
        let configurations = try read("\n1\n\nH 0 0 0\n\n  \n1\na=1\nHe 0 0 0\n\n\n")
        #expect(configurations.map(\.atomicNumbers) == [[1], [2]])
        #expect(configurations[1].info["a"] == .int(1))
    }

    @Test func commentLineEdgeCases() throws {
        let info = try read("1\n a = 1  b= \"x y\" c='q' d=e=f \\\"g h=\"\" i=1,2\t\nH 0 0 0\n")[0].info
        #expect(info["a"] == .int(1))
        #expect(info["b"] == .string("x y"))
        #expect(info["c"] == .string("q"))
        #expect(info["d"] == .string("e=f"))
        #expect(info["\"g"] == .bool(true))
        #expect(info["h"] == .ints([]))
        #expect(info["i"] == .ints([1, 2]))
        #expect(info.keys == ["a", "b", "c", "d", "\"g", "h", "i"])
        #expect(try read("1\nuid=123\nH 0 0 0\n")[0].info["uid"] == .string("123"))
    }

    @Test func hugeAtomCountInSmallFileIsTruncationNotAllocation() {
        #expect(
            readError("1000000000000\n\nH 0 0 0\n")
                == "t.xyz:1: input ends early; expected 1000000000000 atom lines in frame 1; found 1")
    }

    @Test func errorMessagesNameFileLineAndProblem() {
        let header = "2\nProperties=species:S:1:pos:R:3:forces:R:3\n"
        #expect(
            readError(header + "H 0 0 0 0 0 0\n")
                == "t.xyz:1: input ends early; expected 2 atom lines in frame 1; found 1")
        #expect(
            readError(header + "H 0 0 0 0 0 0\nH 0 0 0 0 0\n")
                == "t.xyz:4: 6 fields on the atom line; expected 7 from Properties 'species:S:1:pos:R:3:forces:R:3'")
        #expect(
            readError(header + "H 0 0 0 0 0 0\nH 0 0 0 0 abc 0\n")
                == "t.xyz:4: found 'abc'; expected a real number in column 'forces'")
        #expect(readError(header + "H 0 0 0 0 0 0\nXx 0 0 0 0 0 0\n") == "t.xyz:4: unknown element 'Xx'")
        #expect(readError(header + "H 0 0 nan 0 0 0\nH 0 0 0 0 0 0\n") == "t.xyz:3: key 'pos': value 'nan' is not finite")
        #expect(readError(header + "H 0 0 1e999 0 0 0\nH 0 0 0 0 0 0\n") == "t.xyz:3: key 'pos': value '1e999' is not finite")
        #expect(
            readError("two\n\nH 0 0 0\n")
                == "t.xyz:1: found 'two'; expected the atom count of frame 1 (a non-negative integer)")
        #expect(readError(" \n\n") == "t.xyz: input is empty; expected at least one extxyz frame")
        #expect(readError("1\n") == "t.xyz:1: input ends early; expected a comment line after the atom count")
        #expect(
            readError("1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n")
                == "t.xyz:2: key 'Lattice': found '1 0 0 0 1 0 0 0'; expected 9 real numbers")
        #expect(
            readError("1\nREF_stress=\"1 2 3 4\"\nH 0 0 0\n")
                == "t.xyz:2: key 'REF_stress': 4 numbers; expected 6 (Voigt) or 9 (3×3) real numbers")
        #expect(readError("1\nenergy=nan\nH 0 0 0\n") == "t.xyz:2: key 'energy': value 'nan' is not finite")
        #expect(readError("1\nenergy=high\nH 0 0 0\n") == "t.xyz:2: key 'energy': found 'high'; expected a real number")
        #expect(readError("1\nname=\"open\nH 0 0 0\n") == "t.xyz:2: found 'unclosed \"'; expected a closing \"")
        #expect(
            readError("1\nProperties=species:S:1:pos:X:3\nH 0 0 0\n")
                == "t.xyz:2: key 'Properties': found 'X'; expected a column type S, R, I or L for 'pos'")
        #expect(
            readError("1\nProperties=species:S:1\nH\n")
                == "t.xyz:2: key 'Properties': missing 'pos'; expected a pos:R:3 column")
        #expect(
            readError("1\nProperties=species:S:1:pos:R:3:n:I:1\nH 0 0 0 1.5\n")
                == "t.xyz:3: found '1.5'; expected an integer in column 'n'")
        #expect(readError("1\npbc=\"T T\"\nH 0 0 0\n") == "t.xyz:2: key 'pbc': found 'T T'; expected 3 logical values such as \"T T F\"")
    }
}
