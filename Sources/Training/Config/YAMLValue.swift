// SwiftMACE, MIT licence.
// YAMLValue: reads YAML text (with Yams) into RawOptionValue trees, keeping mapping keys in file order.

import Yams

enum YAMLValue {
    /// The value the YAML text holds; an empty document is `.null`.
    /// - Throws: Yams' `YamlError` when the text is not YAML.
    static func parse(_ text: String) throws -> RawOptionValue {
        guard let node = try Yams.compose(yaml: text) else { return .null }
        return value(of: node)
    }

    static func value(of node: Node) -> RawOptionValue {
        switch node {
        case .scalar(let scalar):
            // Quoted scalars stay strings even when they read "null"; plain ones resolve as YAML says.
            if scalar.style == .plain, node.null != nil { return .null }
            return .scalar(scalar.string)
        case .sequence(let sequence):
            return .sequence(sequence.map(value(of:)))
        case .mapping(let mapping):
            return .mapping(mapping.map { $0.key.string ?? value(of: $0.key).text }, mapping.map { value(of: $0.value) })
        }
    }
}
