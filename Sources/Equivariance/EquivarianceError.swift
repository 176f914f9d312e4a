// SwiftMACE, MIT licence.
// EquivarianceError: the one public error of the Equivariance layer.

/// An error in equivariant algebra input: irreps strings, degrees, shapes.
public enum EquivarianceError: Error, Equatable, CustomStringConvertible {
    /// An irreps string that does not parse; carries the text and what was expected.
    case invalidIrreps(String, reason: String)
    /// A degree or index outside what is supported.
    case unsupported(String)
    /// A polynomial description that is inconsistent; carries the polynomial's name and what is wrong
    /// (which term, path and operand, and the expected range).
    case invalidPolynomial(String, reason: String)
    /// Buffers or tables whose sizes or values do not fit what they are used with; the message says which and why.
    case shapeMismatch(String)

    public var description: String {
        switch self {
        case .invalidIrreps(let text, let reason): "invalid irreps '\(text)': \(reason)"
        case .unsupported(let what): what
        case .invalidPolynomial(let name, let reason): "invalid polynomial '\(name)': \(reason)"
        case .shapeMismatch(let what): what
        }
    }
}
