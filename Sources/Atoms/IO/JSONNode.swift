// SwiftMACE, MIT licence.
// JSONNode: a value from JSONSerialization together with its JSON path (`[12].outputs.forces`), so readers of
// JSON datasets can check types and name the exact place of every error.

import Foundation
import Support

/// A parsed JSON value and where it sits in its file.
struct JSONNode {
    let value: Any
    let location: InputLocation

    /// Parses JSON bytes; the root's location has no key.
    static func parse(_ bytes: [UInt8], file: String) throws -> JSONNode {
        let location = InputLocation(file: file)
        do {
            let value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            return JSONNode(value: value, location: location)
        } catch {
            throw AtomsError.unsupportedFormat(location, reason: "not valid JSON")
        }
    }

    private func child(_ value: Any, path: String) -> JSONNode {
        JSONNode(value: value, location: InputLocation(file: location.file, key: path))
    }

    /// The member `key` of an object, or `nil` when absent or `null`.
    func optionalMember(_ key: String) throws -> JSONNode? {
        guard let object = value as? [String: Any] else {
            throw AtomsError.malformed(location, found: kind, expected: "a JSON object")
        }
        guard let member = object[key], !(member is NSNull) else { return nil }
        return child(member, path: location.key.map { "\($0).\(key)" } ?? key)
    }

    /// The member `key` of an object; `what` describes it in the message when it is missing.
    func member(_ key: String, _ what: String) throws -> JSONNode {
        guard let member = try optionalMember(key) else {
            let path = location.key.map { "\($0).\(key)" } ?? key
            throw AtomsError.missingKey(InputLocation(file: location.file, key: path), key: key, expected: what)
        }
        return member
    }

    /// The members of an object, sorted by key (JSONSerialization does not keep file order).
    func sortedMembers() throws -> [(key: String, node: JSONNode)] {
        guard let object = value as? [String: Any] else {
            throw AtomsError.malformed(location, found: kind, expected: "a JSON object")
        }
        return object.keys.sorted().map { key in
            (key, child(object[key] ?? NSNull(), path: location.key.map { "\($0).\(key)" } ?? key))
        }
    }

    /// The elements of an array, optionally of a required length.
    func elements(count: Int? = nil) throws -> [JSONNode] {
        guard let array = value as? [Any] else {
            throw AtomsError.malformed(location, found: kind, expected: "a JSON array")
        }
        if let count, array.count != count {
            throw AtomsError.shapeMismatch(location, found: "\(array.count) elements", expected: "\(count)")
        }
        return array.enumerated().map { child($1, path: (location.key ?? "") + "[\($0)]") }
    }

    /// A finite number.
    func number() throws -> Double {
        guard let number = value as? NSNumber, !Self.isBool(number) else {
            throw AtomsError.malformed(location, found: kind, expected: "a number")
        }
        guard number.doubleValue.isFinite else { throw AtomsError.notFinite(location, found: "\(number)") }
        return number.doubleValue
    }

    /// Three finite numbers.
    func vector3() throws -> SIMD3<Double> {
        let items = try elements(count: 3).map { try $0.number() }
        return SIMD3(items[0], items[1], items[2])
    }

    func string() throws -> String {
        guard let string = value as? String else {
            throw AtomsError.malformed(location, found: kind, expected: "a string")
        }
        return string
    }

    /// The value as an info entry when it is a string, boolean or number; `nil` for arrays, objects and null.
    var scalarInfo: InfoValue? {
        if let string = value as? String { return .string(string) }
        guard let number = value as? NSNumber else { return nil }
        if Self.isBool(number) { return .bool(number.boolValue) }
        // "Q" is an integer above Int64.max, kept as a real.
        switch String(cString: number.objCType) {
        case "d", "f", "Q": return .double(number.doubleValue)
        default: return .int(number.intValue)
        }
    }

    /// What the value is, for messages.
    private var kind: String {
        switch value {
        case is NSNull: "null"
        case is String: "a string"
        case let number as NSNumber: Self.isBool(number) ? "a boolean" : "the number \(number)"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "an unknown value"
        }
    }

    /// JSONSerialization gives booleans as NSNumber of objCType "c" (a char).
    private static func isBool(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }
}
