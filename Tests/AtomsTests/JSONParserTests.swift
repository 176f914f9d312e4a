// SwiftMACE, MIT licence.
// Tests of the JSON parser behind PymatgenReader: exact (correctly rounded) numbers, strings with escapes,
// and located errors for malformed or hostile documents.

import Support
import Testing

@testable import Atoms

@Suite struct JSONParserTests {
    private func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8), file: "t.json") }

    @Test func parsesNumbersExactly() throws {
        // Values Linux JSONSerialization reads one unit in the last place off.
        #expect(try parse("[-1.1097811666988555, 0.23044273682651983, 63, -0, 1E2, 12345678901234567890]")
            == .array([.double(-1.1097811666988555), .double(0.23044273682651983), .int(63), .int(0), .double(100),
                       .double(1.2345678901234567e19)]))
    }

    @Test func parsesStringsObjectsAndLiterals() throws {
        let value = try parse(#" {"a": "x\"y\\\n\u00e9\ud83d\ude00", "b": [true, false, null], "c": {}} "#)
        #expect(value == .object(["a": .string("x\"y\\\né😀"), "b": .array([.bool(true), .bool(false), .null]),
                                  "c": .object([:])]))
    }

    @Test func errorsNameTheLine() {
        let error = #expect(throws: AtomsError.self) { try parse("[1,\n 2,\n 03]") }
        #expect(error?.description == "t.json:3: found '03]'; expected a number without leading zeros")
        let trailing = #expect(throws: AtomsError.self) { try parse("[1, 2] x") }
        #expect(trailing?.description == "t.json:1: found 'x'; expected the end of the JSON document")
        let open = #expect(throws: AtomsError.self) { try parse("{\"a\": [1, 2") }
        #expect(open?.description == "t.json:1: found 'end of file'; expected ',' or ']' in an array")
    }

    @Test func deepNestingIsRejectedWithoutExhaustingTheStack() {
        let error = #expect(throws: AtomsError.self) { try parse(String(repeating: "[", count: 100_000)) }
        #expect(error?.description == "t.json:1: found '[[[[[[[[[[[[[[[['; expected nesting at most 256 deep")
    }

    @Test func everyPrefixFailsCleanly() {
        let text = Array(#"{"k": [1.5e-3, "s\u0041", true, null, {"n": -2}]}"#.utf8)
        for length in 0..<text.count {
            #expect(throws: AtomsError.self) { try JSONParser.parse(Array(text.prefix(length)), file: "t.json") }
        }
    }
}
