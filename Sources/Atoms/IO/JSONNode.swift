// SwiftMACE, MIT licence.
// JSONNode: a JSON value together with its JSON path (`[12].outputs.forces`), so readers of JSON datasets can
// check types and name the exact place of every error.

import Support

/// A parsed JSON value and where it sits in its file.
struct JSONNode {
    let value: JSONValue
    let location: InputLocation

    /// Parses JSON bytes; the root's location has no key.
    /// - Throws: `AtomsError` naming the file and line of a syntax error.
    static func parse(_ bytes: [UInt8], file: String) throws -> JSONNode {
        JSONNode(value: try JSONParser.parse(bytes, file: file), location: InputLocation(file: file))
    }

    private func child(_ value: JSONValue, path: String) -> JSONNode {
        JSONNode(value: value, location: InputLocation(file: location.file, key: path))
    }

    private func path(of key: String) -> String { location.key.map { "\($0).\(key)" } ?? key }

    private func object() throws -> [String: JSONValue] {
        guard case .object(let object) = value else {
            throw AtomsError.malformed(location, found: kind, expected: "a JSON object")
        }
        return object
    }

    /// The member `key` of an object, or `nil` when absent or `null`.
    func optionalMember(_ key: String) throws -> JSONNode? {
        guard let member = try object()[key], member != .null else { return nil }
        return child(member, path: path(of: key))
    }

    /// The member `key` of an object; `what` describes it in the message when it is missing.
    func member(_ key: String, _ what: String) throws -> JSONNode {
        guard let member = try optionalMember(key) else {
            throw AtomsError.missingKey(InputLocation(file: location.file, key: path(of: key)), key: key, expected: what)
        }
        return member
    }

    /// The members of an object, sorted by key (JSON objects are unordered).
    func sortedMembers() throws -> [(key: String, node: JSONNode)] {
        try object().sorted { $0.key < $1.key }.map { ($0.key, child($0.value, path: path(of: $0.key))) }
    }

    /// The elements of an array, optionally of a required length.
    func elements(count: Int? = nil) throws -> [JSONNode] {
        guard case .array(let array) = value else {
            throw AtomsError.malformed(location, found: kind, expected: "a JSON array")
        }
        if let count, array.count != count {
            throw AtomsError.shapeMismatch(location, found: "\(array.count) elements", expected: "\(count)")
        }
        return array.enumerated().map { child($1, path: (location.key ?? "") + "[\($0)]") }
    }

    /// A finite number.
    func number() throws -> Double {
        switch value {
        case .int(let integer): return Double(integer)
        case .double(let real):
            guard real.isFinite else { throw AtomsError.notFinite(location, found: "\(real)") }
            return real
        default: throw AtomsError.malformed(location, found: kind, expected: "a number")
        }
    }

    /// Three finite numbers.
    func vector3() throws -> SIMD3<Double> {
        let items = try elements(count: 3).map { try $0.number() }
        return SIMD3(items[0], items[1], items[2])
    }

    func string() throws -> String {
        guard case .string(let string) = value else {
            throw AtomsError.malformed(location, found: kind, expected: "a string")
        }
        return string
    }

    func bool() throws -> Bool {
        guard case .bool(let flag) = value else {
            throw AtomsError.malformed(location, found: kind, expected: "true or false")
        }
        return flag
    }

    /// The value as an info entry when it is a string, boolean or number; `nil` for arrays, objects and null.
    var scalarInfo: InfoValue? {
        switch value {
        case .string(let string): .string(string)
        case .bool(let flag): .bool(flag)
        case .int(let integer): .int(integer)
        case .double(let real): .double(real)
        case .null, .array, .object: nil
        }
    }

    /// What the value is, for messages.
    var kind: String {
        switch value {
        case .null: "null"
        case .bool(let flag): "the boolean \(flag)"
        case .int(let integer): "the number \(integer)"
        case .double(let real): "the number \(real)"
        case .string(let string): "the string '\(string)'"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
