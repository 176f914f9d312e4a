// SwiftMACE, MIT licence.
// Tests of NPZReader: arrays of np.savez, np.savez_compressed and ZIP64 archives against the values numpy
// wrote (Tests/Fixtures/atoms/numpy/npz_expected.json), and the message for a missing member.

import Foundation
import Support
import TestSupport
import Testing

@testable import Atoms

@Suite struct NPZReaderTests {
    struct Expected: Decodable {
        var shape: [Int]
        var values: [Double]
    }

    private func expected() throws -> [String: Expected] {
        try JSONDecoder().decode([String: Expected].self, from: Fixtures.data("atoms/numpy/npz_expected.json"))
    }

    @Test(arguments: [("stored.npz", ["a", "b"]), ("compressed.npz", ["big", "b"]), ("zip64.npz", ["a", "b"])])
    func readsEveryArray(file: String, keys: [String]) throws {
        let url = Fixtures.url("atoms/numpy/\(file)")
        let arrays = try NPZReader.arrays(contentsOf: url)
        #expect(Set(arrays.keys) == Set(keys))
        #expect(try NPZReader.file(contentsOf: url).keys == keys)
        let expected = try expected()
        for key in keys {
            let array = try #require(arrays[key])
            let reference = try #require(expected[key])
            #expect(array.shape == reference.shape)
            #expect(try array.finiteReals(at: InputLocation(file: file)) == reference.values)
        }
        #expect(arrays["b"]?.values == .integers([1, 2, 3]))
    }

    @Test func missingMemberNamesTheMembersPresent() throws {
        let url = Fixtures.url("atoms/numpy/stored.npz")
        let file = try NPZReader.file(contentsOf: url)
        #expect(file.contains("a") && !file.contains("coords"))
        let error = #expect(throws: AtomsError.self) { try file.array("coords") }
        #expect(
            error?.description == "\(url.relativePath): missing 'coords'; expected an npz member 'coords.npy'; members: a, b")
    }

    @Test func unreadableFileIsReported() {
        let url = Fixtures.url("atoms/numpy/no_such_file.npz")
        let error = #expect(throws: AtomsError.self) { try NPZReader.arrays(contentsOf: url) }
        #expect(error?.description.hasPrefix("\(url.relativePath): cannot read: ") == true)
    }
}
