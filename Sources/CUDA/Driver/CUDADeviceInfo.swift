// SwiftMACE, MIT licence.
// CUDADeviceInfo: what the driver reports about a device (name, compute capability, SMs, memory), read once when
// the context is made.

/// A CUDA device's properties as the driver reports them.
public struct CUDADeviceInfo: Sendable, Equatable, CustomStringConvertible {
    /// Device ordinal.
    public let ordinal: Int
    /// Marketing name, e.g. "NVIDIA H100 80GB HBM3".
    public let name: String
    /// Compute capability (major, minor), e.g. (9, 0) for Hopper.
    public let computeCapability: (major: Int, minor: Int)
    /// Streaming multiprocessors.
    public let multiprocessorCount: Int
    /// Device memory in bytes.
    public let totalMemoryBytes: Int
    /// L2 cache in bytes.
    public let l2CacheBytes: Int
    /// The most shared memory one block may use after opting in (`cuFuncSetAttribute`), in bytes.
    public let maxSharedMemoryPerBlockOptin: Int
    /// The most threads in one block.
    public let maxThreadsPerBlock: Int
    /// Driver version as the driver encodes it (1000 × major + 10 × minor, e.g. 13000 for CUDA 13.0).
    public let driverVersion: Int

    /// NVRTC's `--gpu-architecture` value for this device, e.g. "sm_90": a CUBIN for exactly this chip.
    public var architecture: String { "sm_\(computeCapability.major)\(computeCapability.minor)" }

    public static func == (lhs: CUDADeviceInfo, rhs: CUDADeviceInfo) -> Bool {
        lhs.ordinal == rhs.ordinal && lhs.name == rhs.name && lhs.computeCapability == rhs.computeCapability
            && lhs.multiprocessorCount == rhs.multiprocessorCount && lhs.totalMemoryBytes == rhs.totalMemoryBytes
            && lhs.l2CacheBytes == rhs.l2CacheBytes && lhs.driverVersion == rhs.driverVersion
            && lhs.maxSharedMemoryPerBlockOptin == rhs.maxSharedMemoryPerBlockOptin
            && lhs.maxThreadsPerBlock == rhs.maxThreadsPerBlock
    }

    public var description: String {
        let gib = Double(totalMemoryBytes) / Double(1 << 30)
        let driver = "\(driverVersion / 1000).\(driverVersion % 1000 / 10)"
        return "cuda:\(ordinal) \(name), compute capability \(computeCapability.major).\(computeCapability.minor) "
            + "(\(architecture)), \(multiprocessorCount) SMs, \(String(format: "%.1f", gib)) GiB, "
            + "L2 \(l2CacheBytes >> 20) MiB, driver API \(driver)"
    }
}
