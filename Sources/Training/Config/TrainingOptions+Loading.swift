// SwiftMACE, MIT licence.
// Reading TrainingOptions from a YAML file and from `--name value` command-line flags (flags override the file),
// then validating all of it before any work starts.

import Foundation
import Support

extension TrainingOptions {
    /// The source name used in errors for command-line flags.
    public static let commandLineSource = "command line"

    /// Options from a YAML file (if any), overridden by command-line flags, validated.
    ///
    /// ```swift
    /// let options = try TrainingOptions.load(yamlFile: "config.yaml", arguments: ["--lr", "0.005", "--ema"])
    /// ```
    /// - Parameters:
    ///   - yamlFile: path of a YAML mapping from option names to values; errors name it as given.
    ///   - arguments: `--name value`, `--name=value`, or a bare `--name` for true/false options.
    /// - Throws: `TrainingError` naming the file (or "command line") and the key: unknown key (with the nearest
    ///   known name), wrong type, impossible value, missing required key, unreadable file.
    public static func load(yamlFile: String? = nil, arguments: [String] = []) throws -> TrainingOptions {
        guard let yamlFile else { return try load(yaml: nil, source: commandLineSource, arguments: arguments) }
        let text: String
        do {
            text = try String(contentsOfFile: yamlFile, encoding: .utf8)
        } catch {
            throw TrainingError.invalidFile(path: yamlFile, reason: "cannot read: \(error.localizedDescription)")
        }
        return try load(yaml: text, source: yamlFile, arguments: arguments)
    }

    /// Options from YAML text (nil: none) named `source` in errors, overridden by `arguments`, validated.
    public static func load(yaml text: String?, source: String, arguments: [String] = []) throws -> TrainingOptions {
        var options = TrainingOptions()
        var origins: [String: String] = [:]
        if let text { try options.apply(yaml: text, source: source, origins: &origins) }
        try options.apply(arguments: arguments, origins: &origins)
        try options.validate(origins: origins, requiredSource: text == nil ? commandLineSource : source)
        return options
    }

    /// Sets the options a YAML document names; `source` names the document in errors.
    mutating func apply(yaml text: String, source: String, origins: inout [String: String]) throws {
        let document: RawOptionValue
        do {
            document = try YAMLValue.parse(text)
        } catch {
            throw TrainingError.invalidFile(path: source, reason: "not valid YAML: \(error)")
        }
        switch document {
        case .null:
            return
        case .mapping(let keys, let values):
            for (key, value) in zip(keys, values) {
                try set(key, to: value, source: source, origins: &origins)
            }
        default:
            throw TrainingError.invalidFile(path: source, reason: "expected a mapping of option names to values")
        }
    }

    /// Sets the options given as command-line flags.
    mutating func apply(arguments: [String], origins: inout [String: String]) throws {
        let source = Self.commandLineSource
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw TrainingError.wrongType(
                    InputLocation(file: source), found: argument, expected: "an option such as '--lr 0.01'")
            }
            var key = String(argument.dropFirst(2))
            var value: String?
            if let equals = key.firstIndex(of: "=") {
                value = String(key[key.index(after: equals)...])
                key = String(key[..<equals])
            }
            guard let spec = Self.spec(named: key) else {
                throw TrainingError.unknownKey(source: source, key: key, suggestion: Self.suggestion(for: key))
            }
            if value == nil, index < arguments.count, !arguments[index].hasPrefix("--") {
                value = arguments[index]
                index += 1
            }
            guard let text = value ?? (spec.isFlag ? "true" : nil) else {
                throw TrainingError.wrongType(
                    InputLocation(file: source, key: spec.name), found: "", expected: spec.expectation)
            }
            try set(key, to: .scalar(text), source: source, origins: &origins)
        }
    }

    private mutating func set(
        _ key: String, to value: RawOptionValue, source: String, origins: inout [String: String]
    ) throws {
        guard let spec = Self.spec(named: key) else {
            throw TrainingError.unknownKey(source: source, key: key, suggestion: Self.suggestion(for: key))
        }
        guard spec.assign(&self, value) else {
            throw TrainingError.wrongType(
                InputLocation(file: source, key: key), found: value.text, expected: spec.expectation)
        }
        origins[spec.name] = source
    }

    /// The known option name nearest to `key`, when it is close enough to be a typo.
    static func suggestion(for key: String) -> String? {
        let names = table.flatMap { [$0.name] + $0.aliases }
        let scored = names.map { ($0, EditDistance.between($0.lowercased(), key.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(2, key.count / 4) ? best.0 : nil
    }
}
