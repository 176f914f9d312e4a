// SwiftMACE, MIT licence.
// Device: where a tensor's storage lives. Only the CPU is implemented.

/// Where a tensor's storage lives and its ops run.
///
/// Only `.cpu` is implemented; asking for `.cuda` throws `TensorError.unsupported`.
public enum Device: Sendable, Hashable, CustomStringConvertible {
    case cpu
    /// A CUDA device by ordinal (not implemented in this target).
    case cuda(Int)

    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda(let ordinal): "cuda:\(ordinal)"
        }
    }
}
