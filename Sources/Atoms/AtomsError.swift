// SwiftMACE, MIT licence.
// AtomsError: the one public error of the Atoms layer. Every case says where (InputLocation), what was
// found and what was expected, so the CLI can print it as one line.

import Support

/// An error reading, checking or processing atomic structures.
public enum AtomsError: Error, Equatable, CustomStringConvertible {
    /// A file or folder could not be opened or read.
    case cannotRead(InputLocation, reason: String)
    /// The input is empty where content was required.
    case empty(InputLocation, expected: String)
    /// The input ended early (`expected` says what was still missing).
    case truncated(InputLocation, expected: String)
    /// A value has the wrong form: `found` is the offending text or description.
    case malformed(InputLocation, found: String, expected: String)
    /// A required key, member or column is missing.
    case missingKey(InputLocation, key: String, expected: String)
    /// An element symbol or atomic number that is not a chemical element.
    case unknownElement(InputLocation, found: String)
    /// A number that is NaN or infinite.
    case notFinite(InputLocation, found: String)
    /// Counts or shapes that do not agree.
    case shapeMismatch(InputLocation, found: String, expected: String)
    /// The format of a file could not be recognised.
    case unsupportedFormat(InputLocation, reason: String)
    /// A geometric problem (singular cell, non-positive cutoff, ...).
    case invalidGeometry(InputLocation?, reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let at, let reason): "\(at): cannot read: \(reason)"
        case .empty(let at, let expected): "\(at): input is empty; expected \(expected)"
        case .truncated(let at, let expected): "\(at): input ends early; expected \(expected)"
        case .malformed(let at, let found, let expected): "\(at): found '\(found)'; expected \(expected)"
        case .missingKey(let at, let key, let expected): "\(at): missing '\(key)'; expected \(expected)"
        case .unknownElement(let at, let found): "\(at): unknown element '\(found)'"
        case .notFinite(let at, let found): "\(at): value '\(found)' is not finite"
        case .shapeMismatch(let at, let found, let expected): "\(at): \(found); expected \(expected)"
        case .unsupportedFormat(let at, let reason): "\(at): unsupported format: \(reason)"
        case .invalidGeometry(let at, let reason): at.map { "\($0): \(reason)" } ?? reason
        }
    }
}
