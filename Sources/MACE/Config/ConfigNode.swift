// SwiftMACE, MIT licence.
// ConfigNode: a value of the `swiftmace_config` JSON with its key path, so every config error names the file and
// the exact key (`interactions[1].conv_tp.instructions[3].path_shape`).

import Atoms
import Equivariance

/// A JSON value of the model config and where it sits.
struct ConfigNode {
    let value: JSONValue
    let file: String
    let path: String

    /// An error about this value.
    func failure(_ reason: String) -> ModelError { .invalidConfig(file: file, key: path, reason: reason) }

    /// An error for a valid mace option that SwiftMACE does not implement.
    func unsupported() -> ModelError { .unsupported(file: file, key: path, found: kind) }

    /// The member `key` of an object. - Throws: when this is not an object or the member is missing.
    func callAsFunction(_ key: String) throws -> ConfigNode {
        guard let member = try optional(key) else {
            throw ModelError.invalidConfig(file: file, key: childPath(key), reason: "missing")
        }
        return member
    }

    /// The member `key`, or nil when absent or null.
    func optional(_ key: String) throws -> ConfigNode? {
        guard case .object(let members) = value else { throw failure("found \(kind); expected an object") }
        guard let member = members[key], member != .null else { return nil }
        return ConfigNode(value: member, file: file, path: childPath(key))
    }

    /// The members of an object, sorted by key.
    func members() throws -> [(key: String, node: ConfigNode)] {
        guard case .object(let members) = value else { throw failure("found \(kind); expected an object") }
        return members.sorted { $0.key < $1.key }.map { ($0.key, ConfigNode(value: $0.value, file: file, path: childPath($0.key))) }
    }

    /// The elements of an array.
    func elements() throws -> [ConfigNode] {
        guard case .array(let items) = value else { throw failure("found \(kind); expected an array") }
        return items.enumerated().map { ConfigNode(value: $1, file: file, path: "\(path)[\($0)]") }
    }

    func int() throws -> Int {
        guard case .int(let integer) = value else { throw failure("found \(kind); expected an integer") }
        return integer
    }

    /// An integer ≥ `minimum`.
    func int(atLeast minimum: Int) throws -> Int {
        let integer = try int()
        guard integer >= minimum else { throw failure("found \(integer); expected an integer ≥ \(minimum)") }
        return integer
    }

    /// A finite number.
    func double() throws -> Double {
        switch value {
        case .int(let integer): return Double(integer)
        case .double(let real) where real.isFinite: return real
        default: throw failure("found \(kind); expected a finite number")
        }
    }

    func string() throws -> String {
        guard case .string(let text) = value else { throw failure("found \(kind); expected a string") }
        return text
    }

    func bool() throws -> Bool {
        guard case .bool(let flag) = value else { throw failure("found \(kind); expected true or false") }
        return flag
    }

    /// An e3nn irreps string.
    func irreps() throws -> Irreps {
        do {
            return try Irreps(parsing: try string())
        } catch let error as EquivarianceError {
            throw failure("\(error)")
        }
    }

    /// A string that must be one of `allowed` (mace options SwiftMACE implements); other strings are unsupported.
    func option(_ allowed: [String]) throws -> String {
        let text = try string()
        guard allowed.contains(text) else { throw unsupported() }
        return text
    }

    private func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// What the value is, for messages.
    var kind: String {
        switch value {
        case .null: "null"
        case .bool(let flag): "\(flag)"
        case .int(let integer): "\(integer)"
        case .double(let real): "\(real)"
        case .string(let text): "'\(text)'"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
