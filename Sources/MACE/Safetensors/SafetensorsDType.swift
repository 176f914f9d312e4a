// SwiftMACE, MIT licence.
// SafetensorsDType: the element types of safetensors files that SwiftMACE reads and writes.

/// A safetensors element type, spelled as in the file header (`"F64"`, `"BOOL"`, …). Data are little-endian.
public enum SafetensorsDType: String, Sendable, Hashable, CaseIterable {
    case float64 = "F64"
    case float32 = "F32"
    case int64 = "I64"
    case int32 = "I32"
    case bool = "BOOL"
    case uint8 = "U8"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .bool, .uint8: 1
        }
    }

    /// Whether elements are floating-point numbers.
    public var isFloatingPoint: Bool { self == .float64 || self == .float32 }
}
