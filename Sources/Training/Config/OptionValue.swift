// SwiftMACE, MIT licence.
// OptionValue: how one option's value is read from YAML or a command-line flag, and written back;
// conformances for numbers, integers, booleans (mace's str2bool), strings, lists and optionals.

import Foundation

/// A value as it appears in the input, before it is given a type.
public indirect enum RawOptionValue: Sendable, Equatable {
    case null
    case scalar(String)
    case sequence([RawOptionValue])
    case mapping([String], [RawOptionValue])

    /// The value as it reads in an error message.
    public var text: String {
        switch self {
        case .null: "null"
        case .scalar(let text): text
        case .sequence(let items): "[" + items.map(\.text).joined(separator: ", ") + "]"
        case .mapping(let keys, let values):
            "{" + zip(keys, values).map { "\($0): \($1.text)" }.joined(separator: ", ") + "}"
        }
    }
}

/// A type an option can have.
public protocol OptionValue: Sendable, Equatable {
    /// What the type reads as in errors: "a number", "an integer", "true or false".
    static var expectation: String { get }
    /// The typed value, or nil when `raw` does not have this type.
    init?(option raw: RawOptionValue)
    /// The value as it is written in YAML (shown as the default in help).
    var optionText: String { get }
    /// Whether a command-line flag may stand alone (`--ema` meaning `--ema true`).
    static var isFlag: Bool { get }
}

extension OptionValue {
    public static var isFlag: Bool { false }
}

extension Double: OptionValue {
    public static var expectation: String { "a number" }
    public init?(option raw: RawOptionValue) {
        guard case .scalar(let text) = raw, let value = Double(text.trimmingCharacters(in: .whitespaces)),
              value.isFinite else { return nil }
        self = value
    }
    public var optionText: String { "\(self)" }
}

extension Int: OptionValue {
    public static var expectation: String { "an integer" }
    public init?(option raw: RawOptionValue) {
        guard case .scalar(let text) = raw, let value = Int(text.trimmingCharacters(in: .whitespaces)) else {
            return nil
        }
        self = value
    }
    public var optionText: String { "\(self)" }
}

extension Bool: OptionValue {
    public static var expectation: String { "true or false" }
    public static var isFlag: Bool { true }
    /// Accepts what mace's `str2bool` accepts: yes/true/t/y/1 and no/false/f/n/0, any case.
    public init?(option raw: RawOptionValue) {
        guard case .scalar(let text) = raw else { return nil }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "yes", "true", "t", "y", "1": self = true
        case "no", "false", "f", "n", "0": self = false
        default: return nil
        }
    }
    public var optionText: String { self ? "true" : "false" }
}

extension String: OptionValue {
    public static var expectation: String { "a string" }
    public init?(option raw: RawOptionValue) {
        guard case .scalar(let text) = raw else { return nil }
        self = text
    }
    public var optionText: String { self }
}

extension Array: OptionValue where Element == Int {
    public static var expectation: String { "a list of integers such as [64, 64, 64]" }
    /// Accepts a YAML list, or a string holding one (mace's `radial_MLP` default is the string "[64, 64, 64]").
    public init?(option raw: RawOptionValue) {
        var items: [RawOptionValue]
        switch raw {
        case .sequence(let list): items = list
        case .scalar(let text):
            guard let parsed = try? YAMLValue.parse(text), case .sequence(let list) = parsed else { return nil }
            items = list
        default: return nil
        }
        var values: [Int] = []
        for item in items {
            guard let value = Int(option: item) else { return nil }
            values.append(value)
        }
        self = values
    }
    public var optionText: String { "[" + map(String.init).joined(separator: ", ") + "]" }
}

extension Dictionary: OptionValue where Key == String, Value == Double {
    public static var expectation: String { "a mapping from names to numbers such as {\"Default\": 1.0}" }
    /// Accepts a YAML mapping, or a string holding one (mace's `config_type_weights` is a JSON string).
    public init?(option raw: RawOptionValue) {
        var mapping = raw
        if case .scalar(let text) = raw {
            guard let parsed = try? YAMLValue.parse(text) else { return nil }
            mapping = parsed
        }
        guard case .mapping(let keys, let values) = mapping else { return nil }
        var result: [String: Double] = [:]
        for (key, value) in zip(keys, values) {
            guard let number = Double(option: value) else { return nil }
            result[key] = number
        }
        self = result
    }
    public var optionText: String {
        "{" + sorted { $0.key < $1.key }.map { "\"\($0.key)\": \($0.value)" }.joined(separator: ", ") + "}"
    }
}

extension Optional: OptionValue where Wrapped: OptionValue {
    public static var expectation: String { Wrapped.expectation + " or null" }
    public static var isFlag: Bool { Wrapped.isFlag }
    /// `null`, `~`, an empty value and Python's `None` (as mace's defaults print) mean nil.
    public init?(option raw: RawOptionValue) {
        if raw == .null || raw == .scalar("None") {
            self = .none
        } else if let value = Wrapped(option: raw) {
            self = .some(value)
        } else {
            return nil
        }
    }
    public var optionText: String { map(\.optionText) ?? "null" }
}

/// An option whose value is one of a fixed set of names.
public protocol OptionChoice: OptionValue, RawRepresentable<String>, CaseIterable {}

extension OptionChoice {
    public static var expectation: String {
        "one of " + allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
    }
    public init?(option raw: RawOptionValue) {
        guard case .scalar(let text) = raw else { return nil }
        self.init(rawValue: text.trimmingCharacters(in: .whitespaces))
    }
    public var optionText: String { rawValue }
}
