// SwiftMACE, MIT licence.
// ModelError: the one public error of the MACE layer: unreadable or corrupt model files, configs that do not
// match their weights, options SwiftMACE does not implement, and structures the model cannot evaluate.

import Atoms

/// An error loading a model file or evaluating a model.
///
/// Messages start with the file (and the tensor or config key) they concern, e.g.
/// `model.safetensors: tensor 'interactions.0.linear.weight': data_offsets [0, 80] hold 80 bytes; expected 64`.
public enum ModelError: Error, Equatable, CustomStringConvertible {
    /// The file could not be opened or read.
    case cannotRead(file: String, reason: String)
    /// The file ends before what its header promises.
    case truncated(file: String, expected: String)
    /// The safetensors header is not what the format requires.
    case malformedHeader(file: String, reason: String)
    /// One tensor entry of the header is inconsistent (dtype, shape, offsets, sparse form).
    case malformedTensor(file: String, key: String, reason: String)
    /// A tensor the model needs is absent.
    case missingTensor(file: String, key: String)
    /// A tensor has the wrong shape for the irreps or sizes in the config.
    case shapeMismatch(file: String, key: String, found: [Int], expected: [Int])
    /// A config value is missing or malformed; `key` is its JSON path in `swiftmace_config`.
    case invalidConfig(file: String, key: String, reason: String)
    /// A valid mace-torch option that SwiftMACE does not implement.
    case unsupported(file: String, key: String, found: String)
    /// A structure holds an element the model was not trained on.
    case unknownElement(atomicNumber: Int, modelElements: [Int])
    /// A structure cannot be evaluated (no atoms, bad geometry); `reason` says why.
    case invalidStructure(index: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotRead(let file, let reason): "\(file): cannot read: \(reason)"
        case .truncated(let file, let expected): "\(file): file ends early; expected \(expected)"
        case .malformedHeader(let file, let reason): "\(file): malformed safetensors header: \(reason)"
        case .malformedTensor(let file, let key, let reason): "\(file): tensor '\(key)': \(reason)"
        case .missingTensor(let file, let key): "\(file): missing tensor '\(key)'"
        case .shapeMismatch(let file, let key, let found, let expected):
            "\(file): tensor '\(key)' has shape \(found); expected \(expected)"
        case .invalidConfig(let file, let key, let reason): "\(file): config key '\(key)': \(reason)"
        case .unsupported(let file, let key, let found):
            "\(file): config key '\(key)' is \(found), which SwiftMACE does not support"
        case .unknownElement(let z, let elements):
            "element \(ModelError.symbol(z)) (Z = \(z)) is not in the model; the model has "
                + elements.map(ModelError.symbol).joined(separator: ", ")
        case .invalidStructure(let index, let reason): "structure \(index): \(reason)"
        }
    }

    private static func symbol(_ z: Int) -> String { Element.symbol(of: z) ?? "Z\(z)" }
}
