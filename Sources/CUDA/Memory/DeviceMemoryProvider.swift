// SwiftMACE, MIT licence.
// DeviceMemoryProvider: the two calls the caching allocator needs from a device (allocate, free), as a protocol so
// the allocator's bookkeeping can be tested without a GPU; DriverMemoryProvider implements it with cuMemAlloc/cuMemFree.

/// Raw device memory: what `CachingAllocator` asks of a device.
public protocol DeviceMemoryProvider: AnyObject, Sendable {
    /// Allocates `byteCount` bytes (> 0) and returns the device address.
    func allocate(byteCount: Int) throws -> UInt64
    /// Returns memory that `allocate` gave out.
    func free(address: UInt64) throws
}

/// Device memory from the driver (`cuMemAlloc_v2`, `cuMemFree_v2`).
final class DriverMemoryProvider: DeviceMemoryProvider, @unchecked Sendable {
    private let driver: DriverAPI
    private let context: CUhandle

    init(driver: DriverAPI, context: CUhandle) {
        self.driver = driver
        self.context = context
    }

    func allocate(byteCount: Int) throws -> UInt64 {
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        var address: CUdeviceptr = 0
        try driver.check(driver.cuMemAlloc(&address, byteCount), "cuMemAlloc_v2(\(byteCount) bytes)")
        return address
    }

    func free(address: UInt64) throws {
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        try driver.check(driver.cuMemFree(address), "cuMemFree_v2")
    }
}
