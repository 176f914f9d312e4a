// SwiftMACE, MIT licence.
// EquivarianceError: the one public error of the Equivariance layer.

/// An error in equivariant algebra input: irreps strings, degrees, shapes.
public enum EquivarianceError: Error, Equatable, CustomStringConvertible {
    /// An irreps string that does not parse; carries the text and what was expected.
    case invalidIrreps(String, reason: String)
    /// A degree or index outside what is supported.
    case unsupported(String)

    public var description: String {
        switch self {
        case .invalidIrreps(let text, let reason): "invalid irreps '\(text)': \(reason)"
        case .unsupported(let what): what
        }
    }
}
