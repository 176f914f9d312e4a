// SwiftMACE, MIT licence.
// TensorError: the one public error of the Tensors layer (data-dependent failures; see README "Errors").

/// A failure caused by data rather than by program structure: element counts that do not match
/// a shape, index values out of range, unsupported dtypes or devices, misuse of `grad`.
public enum TensorError: Error, Equatable, CustomStringConvertible {
    /// `count` values were given for a tensor of `shape`.
    case elementCountMismatch(count: Int, shape: [Int])
    /// A negative dimension in a shape.
    case invalidShape([Int])
    /// An index value outside `0..<count` at `position` of the index tensor, for `operation`.
    case indexOutOfRange(operation: String, index: Int, position: Int, count: Int)
    /// A dtype or device that has no implementation yet, or that an op does not accept.
    case unsupported(String)
    /// A shape given at run time (a seed, a reshape target) that does not fit.
    case shapeMismatch(String, found: [Int], expected: [Int])
    /// `grad` was asked for a tensor that does not require grad.
    case doesNotRequireGrad(inputIndex: Int)
    /// `grad` found no path from the outputs to an input and `allowUnused` was false.
    case unusedInput(inputIndex: Int)
    /// A non-scalar output was differentiated without a seed.
    case seedRequired(outputShape: [Int])

    public var description: String {
        switch self {
        case .elementCountMismatch(let count, let shape):
            "\(count) values given for a tensor of shape \(shape); expected \(shape.reduce(1, *))"
        case .invalidShape(let shape): "invalid shape \(shape); dimensions must be non-negative"
        case .indexOutOfRange(let operation, let index, let position, let count):
            "\(operation): index \(index) at position \(position) is out of range; expected 0..<\(count)"
        case .unsupported(let what): what
        case .shapeMismatch(let what, let found, let expected):
            "\(what) has shape \(found); expected \(expected)"
        case .doesNotRequireGrad(let index):
            "grad: input \(index) does not require grad; call requiringGrad() on it before the forward pass"
        case .unusedInput(let index):
            "grad: input \(index) is not used to compute the outputs; pass allowUnused: true to get zeros"
        case .seedRequired(let shape):
            "grad: output of shape \(shape) is not a scalar; pass a seed of that shape"
        }
    }
}
