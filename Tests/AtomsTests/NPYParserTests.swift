// SwiftMACE, MIT licence.
// Tests of the npy parser: every supported dtype and header version against values numpy wrote
// (Tests/Fixtures/atoms/numpy/npy_expected.json), and exact messages for malformed or unsupported files.

import Foundation
import Support
import TestSupport
import Testing

@testable import Atoms

@Suite struct NPYParserTests {
    static let fixtureNames = ["f8", "f4", "i8", "i4", "u1", "i1", "b1", "scalar", "empty", "unicode", "f8_v2", "i8_v3"]

    /// What numpy wrote; read with JSONDecoder, whose number parsing is exact (JSONSerialization's is not).
    struct Expected: Decodable {
        var descr: String
        var shape: [Int]
        var values: [Value]
    }

    enum Value: Decodable, Equatable {
        case int(Int)
        case double(Double)
        case string(String)

        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Int.self) {
                self = .int(value)
            } else if let value = try? container.decode(Double.self) {
                self = .double(value)
            } else {
                self = .string(try container.decode(String.self))
            }
        }
    }

    static func expected(_ name: String) throws -> Expected {
        let all = try JSONDecoder().decode(
            [String: Expected].self, from: Fixtures.data("atoms/numpy/npy_expected.json"))
        return try #require(all[name])
    }

    static func number(_ value: Value) -> Double? {
        switch value {
        case .int(let integer): Double(integer)
        case .double(let real): real
        default: nil
        }
    }

    @Test(arguments: fixtureNames)
    func readsValuesNumpyWrote(name: String) throws {
        let array = try NPYParser.array(contentsOf: Fixtures.url("atoms/numpy/\(name).npy"))
        let expected = try Self.expected(name)
        #expect(array.descr == expected.descr)
        #expect(array.shape == expected.shape)
        let values = expected.values
        switch array.values {
        case .reals(let reals): #expect(reals.map(Optional.some) == values.map(Self.number))
        case .integers(let integers): #expect(integers.map(Value.int) == values)
        case .strings(let strings): #expect(strings.map(Value.string) == values)
        }
        #expect(array.count == values.count)
    }

    @Test func float32IsWidenedExactly() throws {
        let array = try NPYParser.array(contentsOf: Fixtures.url("atoms/numpy/f4.npy"))
        guard case .reals(let reals) = array.values else {
            Issue.record("f4 should decode to reals")
            return
        }
        #expect(reals.allSatisfy { Double(Float($0)) == $0 })
    }

    private func bytes(_ name: String) throws -> [UInt8] { [UInt8](try Fixtures.data("atoms/numpy/\(name)")) }

    private let location = InputLocation(file: "rmd17_x.npz", key: "coords")

    @Test func badMagicIsRejected() throws {
        var data = try bytes("f8.npy")
        data[1] = UInt8(ascii: "X")
        let error = #expect(throws: AtomsError.self) { try NPYParser.parse(data, at: location) }
        #expect(
            error?.description
                == "rmd17_x.npz: key 'coords': unsupported format: not an npy array (it does not start with the magic bytes '\\x93NUMPY')"
        )
    }

    @Test func truncatedDataIsRejectedBeforeAllocating() throws {
        let data = try bytes("f8.npy")
        let error = #expect(throws: AtomsError.self) { try NPYParser.parse(Array(data.dropLast(5)), at: location) }
        #expect(
            error?.description
                == "rmd17_x.npz: key 'coords': input ends early; expected 48 bytes of array data for shape (2, 3) of '<f8'; found 43"
        )
    }

    @Test func extraDataIsAShapeMismatch() throws {
        let data = try bytes("f8.npy") + [0, 0, 0, 0, 0, 0, 0, 0]
        let error = #expect(throws: AtomsError.self) { try NPYParser.parse(data, at: location) }
        #expect(
            error?.description
                == "rmd17_x.npz: key 'coords': 56 bytes of array data; expected 48 bytes for shape (2, 3) of '<f8'")
    }

    @Test func truncatedHeaderIsRejected() throws {
        let data = try bytes("f8.npy")
        let error = #expect(throws: AtomsError.self) { try NPYParser.parse(Array(data.prefix(40)), at: location) }
        #expect(error?.description == "rmd17_x.npz: key 'coords': input ends early; expected an npy header of 118 bytes; found 30")
    }

    @Test func hugeShapeFailsWithoutAllocating() throws {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n"
        let data = NPYParser.magic + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + [0, 0, 0, 0]
        let error = #expect(throws: AtomsError.self) { try NPYParser.parse(data, at: location) }
        #expect(
            error?.description
                == "rmd17_x.npz: key 'coords': found 'shape (4294967296, 4294967296)'; expected a shape whose size fits in memory"
        )
        // The element count fits but the byte count does not: still no allocation.
        let large = "{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,), }\n"
        let largeData = NPYParser.magic + [1, 0, UInt8(large.utf8.count), 0] + Array(large.utf8)
        let truncated = #expect(throws: AtomsError.self) { try NPYParser.parse(largeData, at: location) }
        #expect(
            truncated?.description
                == "rmd17_x.npz: key 'coords': input ends early; expected more than 9223372036854775807 bytes of array data for shape (2305843009213693952,) of '<f8'; found 0"
        )
    }

    @Test func unsupportedDtypeIsNamed() throws {
        let url = Fixtures.url("atoms/numpy/complex.npy")
        let error = #expect(throws: AtomsError.self) { try NPYParser.array(contentsOf: url) }
        #expect(
            error?.description
                == "\(url.relativePath): unsupported format: dtype '<c16'; supported: <f8, <f4, <i8, <i4, <i2, |i1, <u8, <u4, <u2, |u1, |b1, <U"
        )
    }

    @Test func bigEndianIsRejected() throws {
        let url = Fixtures.url("atoms/numpy/big_endian.npy")
        let error = #expect(throws: AtomsError.self) { try NPYParser.array(contentsOf: url) }
        #expect(
            error?.description
                == "\(url.relativePath): unsupported format: big-endian dtype '>f8'; only little-endian arrays are supported")
    }

    @Test func fortranOrderIsRejected() throws {
        let url = Fixtures.url("atoms/numpy/fortran.npy")
        let error = #expect(throws: AtomsError.self) { try NPYParser.array(contentsOf: url) }
        #expect(
            error?.description
                == "\(url.relativePath): unsupported format: fortran_order is True; only C-order arrays are supported")
    }

    @Test func unknownVersionAndBadHeaderAreRejected() throws {
        var data = try bytes("f8.npy")
        data[6] = 4
        let version = #expect(throws: AtomsError.self) { try NPYParser.parse(data, at: location) }
        #expect(
            version?.description
                == "rmd17_x.npz: key 'coords': unsupported format: npy format version 4.0; supported: 1.0, 2.0, 3.0")

        let header = "{'descr': '<f8', 'shape': (2,), }\n"
        let missing = NPYParser.magic + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8)
        let missingError = #expect(throws: AtomsError.self) { try NPYParser.parse(missing, at: location) }
        #expect(
            missingError?.description
                == "rmd17_x.npz: key 'coords': missing 'fortran_order'; expected npy header keys 'descr', 'fortran_order' and 'shape'"
        )

        let garbled = "{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2,), }\n"
        let garbledData = NPYParser.magic + [1, 0, UInt8(garbled.utf8.count), 0] + Array(garbled.utf8)
        let garbledError = #expect(throws: AtomsError.self) { try NPYParser.parse(garbledData, at: location) }
        #expect(
            garbledError?.description
                == "rmd17_x.npz: key 'coords': found 'Maybe, 'shape': (2,)'; expected a string, True, False or a tuple in the npy header"
        )
    }

    @Test func everyPrefixOfAFileFailsCleanly() throws {
        // Cutting the file anywhere must give an error, never a crash or a silently short array.
        let data = try bytes("i4.npy")
        for length in 0..<data.count {
            #expect(throws: AtomsError.self) { try NPYParser.parse(Array(data.prefix(length)), at: location) }
        }
    }
}
