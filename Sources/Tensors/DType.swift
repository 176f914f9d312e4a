// SwiftMACE, MIT licence.
// DType: the element types a tensor can hold, and their sizes.

/// The element type of a tensor.
///
/// Arithmetic and autodiff run on `.float64` and `.float32`; `.int32` holds indices for
/// `gather` and `scatterSum`. `.float16`, `.bfloat16` and `.int64` are named so precision
/// policies can refer to them, but creating storage of those types throws `TensorError.unsupported`.
public enum DType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case float64, float32, float16, bfloat16, int32, int64

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16: 2
        }
    }

    /// Whether the type is a floating-point type (autodiff and arithmetic need one).
    public var isFloatingPoint: Bool {
        switch self {
        case .float64, .float32, .float16, .bfloat16: true
        case .int32, .int64: false
        }
    }

    /// Whether tensors of this type can be stored and computed with today.
    var hasStorage: Bool { self == .float64 || self == .float32 || self == .int32 }

    public var description: String { rawValue }
}
