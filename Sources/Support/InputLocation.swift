// SwiftMACE, MIT licence.
// InputLocation: where a value came from (file, line, key path), so every error can point at it.

/// Where a piece of input came from: a file, and optionally a 1-based line and a key path.
///
/// Printed as `train.xyz:1043`, `train.xyz: key 'forces'` or `train.xyz:12: key 'energy'`,
/// the prefix every error message in SwiftMACE starts with.
public struct InputLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file (or folder) path as the user gave it.
    public var file: String
    /// 1-based line number, when the input is line oriented.
    public var line: Int?
    /// A key or key path inside the file (an npy member, a JSON path, an info key).
    public var key: String?

    public init(file: String, line: Int? = nil, key: String? = nil) {
        self.file = file
        self.line = line
        self.key = key
    }

    /// The same location, narrowed to a key.
    public func key(_ key: String) -> InputLocation {
        InputLocation(file: file, line: line, key: self.key.map { "\($0).\(key)" } ?? key)
    }

    /// The same location, at a line.
    public func line(_ line: Int) -> InputLocation {
        InputLocation(file: file, line: line, key: key)
    }

    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let key { text += ": key '\(key)'" }
        return text
    }
}
