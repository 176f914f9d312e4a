// SwiftMACE, MIT licence.
// CUDAError: the one error type of the CUDA layer. Driver, NVRTC and cuBLAS failures name the call and its result
// code; compilation failures carry NVRTC's full log.

/// Errors from the CUDA backend: a missing driver or library, a failed driver/NVRTC/cuBLAS call, a failed compile.
public enum CUDAError: Error, CustomStringConvertible, Equatable, Sendable {
    /// `libcuda.so.1` could not be loaded (no NVIDIA driver on this machine); `reason` is `dlerror()`'s text.
    case noDriver(reason: String)
    /// The driver loaded but offers no usable device (none at all, or not the asked ordinal).
    case noDevice(reason: String)
    /// A library other than the driver (NVRTC, cuBLAS) could not be loaded from any of the `tried` names.
    case libraryNotFound(library: String, tried: [String])
    /// A library loaded but lacks a symbol this backend needs (a driver or toolkit too old).
    case missingSymbol(library: String, symbol: String)
    /// A CUDA driver API call returned a result other than `CUDA_SUCCESS`.
    case driver(call: String, code: Int32, name: String, message: String)
    /// An NVRTC call other than the compile itself failed.
    case nvrtc(call: String, code: Int32, message: String)
    /// NVRTC rejected the source: `log` is its full compile log.
    case compilation(log: String)
    /// A cuBLAS call returned a status other than `CUBLAS_STATUS_SUCCESS`.
    case cublas(call: String, code: Int32, name: String)
    /// An argument the caller passed is outside what the operation accepts (sizes, counts, buffer lengths).
    case invalidArgument(String)
    /// The kernel cache could not read or write its folder.
    case kernelCache(path: String, reason: String)

    public var description: String {
        switch self {
        case .noDriver(let reason):
            "CUDA driver not available: \(reason). Install the NVIDIA driver or run on a GPU machine."
        case .noDevice(let reason):
            "no CUDA device: \(reason)"
        case .libraryNotFound(let library, let tried):
            "\(library) not found; tried \(tried.joined(separator: ", "))"
        case .missingSymbol(let library, let symbol):
            "\(library) has no symbol '\(symbol)' (driver or toolkit too old?)"
        case .driver(let call, let code, let name, let message):
            "\(call) failed: \(name) (\(code)): \(message)"
        case .nvrtc(let call, let code, let message):
            "\(call) failed: \(message) (\(code))"
        case .compilation(let log):
            "NVRTC compilation failed:\n\(log)"
        case .cublas(let call, let code, let name):
            "\(call) failed: \(name) (\(code))"
        case .invalidArgument(let message):
            "invalid argument: \(message)"
        case .kernelCache(let path, let reason):
            "\(path): kernel cache: \(reason)"
        }
    }
}
