// SwiftMACE, MIT licence.
// JSON text of a JSONValue (keys sorted, numbers in Swift's shortest round-trip form), for the `swiftmace_config`
// metadata of models SwiftMACE writes.

import Atoms

extension JSONValue {
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let integer): return "\(integer)"
        case .double(let real): return real.isFinite ? "\(real)" : "null"
        case .string(let string): return SafetensorsWriter.quoted(string)
        case .array(let items): return "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .object(let members):
            let sorted = members.sorted { $0.key < $1.key }
            return "{" + sorted.map { SafetensorsWriter.quoted($0.key) + ": " + $0.value.text }.joined(separator: ", ") + "}"
        }
    }
}
