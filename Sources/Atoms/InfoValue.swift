// SwiftMACE, MIT licence.
// Values of per-configuration info (extxyz key=value pairs) and per-atom columns (extxyz Properties),
// kept with their type so a file can be written back as it was read.

/// A per-configuration value, as extxyz stores it in the comment line and ASE parses it.
public enum InfoValue: Sendable, Hashable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case double(Double)
    case ints([Int])
    case doubles([Double])
    case bools([Bool])
    case strings([String])
    /// A `_JSON ...` value, kept as its JSON text (without the `_JSON ` prefix).
    case json(String)

    /// The value as a number, if it is one.
    public var doubleValue: Double? {
        switch self {
        case .double(let v): v
        case .int(let v): Double(v)
        default: nil
        }
    }

    /// The value as a list of numbers, if it is one (a single number gives a list of one).
    public var doublesValue: [Double]? {
        switch self {
        case .doubles(let v): v
        case .ints(let v): v.map(Double.init)
        case .double(let v): [v]
        case .int(let v): [Double(v)]
        default: nil
        }
    }

    /// The value as text, if it is a string.
    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }
}

/// A per-atom column of any type and width, stored flat in atom-major order (`[numAtoms * width]`).
public struct PerAtomColumn: Sendable, Hashable {
    /// The values, flattened atom-major: atom `i`, component `k` is at `i * width + k`.
    public enum Values: Sendable, Hashable {
        case strings([String])
        case reals([Double])
        case ints([Int])
        case bools([Bool])

        public var count: Int {
            switch self {
            case .strings(let v): v.count
            case .reals(let v): v.count
            case .ints(let v): v.count
            case .bools(let v): v.count
            }
        }
    }

    public var width: Int
    public var values: Values

    public init(width: Int, values: Values) {
        precondition(width > 0 && values.count % width == 0, "column of width \(width) has \(values.count) values")
        self.width = width
        self.values = values
    }

    /// The number of atoms the column covers.
    public var count: Int { values.count / width }
}

/// A small insertion-ordered dictionary, so info keys and columns keep the order they had in the file.
public struct OrderedFields<Value: Sendable & Hashable>: Sendable, Hashable, Sequence {
    public private(set) var keys: [String] = []
    private var storage: [String: Value] = [:]

    public init() {}

    public subscript(key: String) -> Value? {
        get { storage[key] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if storage.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var count: Int { keys.count }
    public var isEmpty: Bool { keys.isEmpty }

    /// Removes a key and returns its value.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> Value? {
        let value = storage[key]
        self[key] = nil
        return value
    }

    public func makeIterator() -> AnyIterator<(key: String, value: Value)> {
        var index = 0
        return AnyIterator {
            guard index < keys.count else { return nil }
            defer { index += 1 }
            return (keys[index], storage[keys[index]]!)
        }
    }
}
