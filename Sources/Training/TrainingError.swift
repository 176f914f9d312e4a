// SwiftMACE, MIT licence.
// TrainingError: the one public error of the Training layer. Each case says where (file and key), what was
// found and what was expected.

import Support

/// An error in training input: options, checkpoints, data for E0s or the train/valid split.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    /// An option name the table does not know; `suggestion` is the nearest known name, if close.
    case unknownKey(source: String, key: String, suggestion: String?)
    /// A value that does not parse as the option's type.
    case wrongType(InputLocation, found: String, expected: String)
    /// A value of the right type that is not allowed (negative lr, batch_size 0, bad irreps).
    case invalidValue(InputLocation, found: String, expected: String)
    /// A required option that was given nowhere.
    case missingKey(source: String, key: String)
    /// A file that cannot be read or is not what it should be (checkpoint, YAML, E0s JSON).
    case invalidFile(path: String, reason: String)
    /// Data that does not allow the requested computation (E0s, split).
    case invalidData(String)

    public var description: String {
        switch self {
        case .unknownKey(let source, let key, let suggestion):
            "\(source): unknown key '\(key)'." + (suggestion.map { " Did you mean '\($0)'?" } ?? "")
        case .wrongType(let location, let found, let expected):
            "\(location): found '\(found)'; expected \(expected)"
        case .invalidValue(let location, let found, let expected):
            "\(location): found '\(found)'; expected \(expected)"
        case .missingKey(let source, let key):
            "\(source): missing required key '\(key)'"
        case .invalidFile(let path, let reason):
            "\(path): \(reason)"
        case .invalidData(let message):
            message
        }
    }
}
