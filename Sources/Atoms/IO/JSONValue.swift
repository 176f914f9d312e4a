// SwiftMACE, MIT licence.
// JSONValue: a JSON document as a Swift value tree, as JSONParser builds it.

/// Any JSON value. Integers that fit in `Int` are kept as `.int`, every other number as `.double`.
package enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
}
