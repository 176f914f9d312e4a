// SwiftMACE, MIT licence.
// The CUDA driver API's C types and the few enum values this backend uses, written out by hand (from cuda.h) so
// that no CUDA header is needed at build time.

/// `CUresult`: 0 is `CUDA_SUCCESS`.
typealias CUresult = Int32
/// `CUdevice`: a device ordinal handle.
typealias CUdevice = Int32
/// `CUdeviceptr`: a device address.
typealias CUdeviceptr = UInt64
/// Opaque driver handles (`CUcontext`, `CUmodule`, `CUfunction`, `CUstream`, `CUevent`, `CUgraph`, `CUgraphExec`).
typealias CUhandle = OpaquePointer

/// `CUdevice_attribute` values used here (cuda.h).
enum CUDeviceAttribute: Int32 {
    case maxThreadsPerBlock = 1
    case warpSize = 10
    case multiprocessorCount = 16
    case memoryBusWidth = 37
    case l2CacheSize = 38
    case computeCapabilityMajor = 75
    case computeCapabilityMinor = 76
    case maxSharedMemoryPerBlockOptin = 97
}

/// Driver constants used here (cuda.h).
enum CUConstant {
    static let success: CUresult = 0
    static let errorNoDevice: CUresult = 100
    static let streamNonBlocking: UInt32 = 1
    static let eventDefault: UInt32 = 0
    static let eventDisableTiming: UInt32 = 2
    /// `CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES`.
    static let funcAttributeMaxDynamicSharedBytes: Int32 = 8
    /// `CU_STREAM_CAPTURE_MODE_THREAD_LOCAL`: forbids unsafe calls (cuMemAlloc, sync) from the capturing thread.
    static let captureModeThreadLocal: Int32 = 1
}
