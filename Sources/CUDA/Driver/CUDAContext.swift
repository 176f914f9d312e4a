// SwiftMACE, MIT licence.
// CUDAContext: the loaded driver, one device and its primary context, plus the device's caching allocator. The
// entry point of the CUDA backend: `CUDAContext.shared()` throws `noDriver`/`noDevice` on machines without a GPU.

import Foundation

/// One CUDA device with its primary context, the driver API, and the device's caching allocator.
///
/// The driver's current context is per thread; every operation of this layer calls `makeCurrent()` first, so a
/// context can be used from any thread or task.
public final class CUDAContext: @unchecked Sendable {
    /// The device's properties.
    public let device: CUDADeviceInfo
    /// The caching allocator every `DeviceBuffer` of this context comes from.
    public let allocator: CachingAllocator
    let driver: DriverAPI
    let handle: CUhandle

    /// The context of device 0, made once per process (later calls return the same context, or the same error).
    /// - Throws: `CUDAError.noDriver` when libcuda.so.1 does not load, `CUDAError.noDevice` when there is no GPU,
    ///   `CUDAError.driver` when a driver call fails.
    public static func shared() throws -> CUDAContext {
        try sharedResult.get()
    }

    private static let sharedResult: Result<CUDAContext, CUDAError> = {
        do {
            return .success(try CUDAContext(ordinal: 0))
        } catch let error as CUDAError {
            return .failure(error)
        } catch {
            return .failure(.noDevice(reason: "\(error)"))
        }
    }()

    /// Loads the driver, initialises it and retains the primary context of device `ordinal`.
    /// - Throws: `CUDAError.noDriver`, `CUDAError.noDevice` (no GPU, or `ordinal` out of range), `CUDAError.driver`.
    public convenience init(ordinal: Int) throws {
        try self.init(ordinal: ordinal, driver: try DriverAPI.load())
    }

    init(ordinal: Int, driver: DriverAPI) throws {
        self.driver = driver
        let initResult = driver.cuInit(0)
        if initResult == CUConstant.errorNoDevice {
            throw CUDAError.noDevice(reason: "the driver loaded but cuInit reports no GPU (CUDA_ERROR_NO_DEVICE)")
        }
        try driver.check(initResult, "cuInit")
        var count: Int32 = 0
        try driver.check(driver.cuDeviceGetCount(&count), "cuDeviceGetCount")
        guard ordinal >= 0, ordinal < Int(count) else {
            throw CUDAError.noDevice(reason: "device \(ordinal) asked for; the driver reports \(count) device(s)")
        }
        var device: CUdevice = 0
        try driver.check(driver.cuDeviceGet(&device, Int32(ordinal)), "cuDeviceGet(\(ordinal))")
        var context: CUhandle?
        try driver.check(driver.cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
        guard let context else {
            throw CUDAError.noDevice(reason: "cuDevicePrimaryCtxRetain returned no context for device \(ordinal)")
        }
        handle = context
        try driver.check(driver.cuCtxSetCurrent(context), "cuCtxSetCurrent")
        self.device = try Self.readInfo(driver: driver, device: device, ordinal: ordinal)
        allocator = CachingAllocator(provider: DriverMemoryProvider(driver: driver, context: context))
    }

    /// Makes this context current on the calling thread (cheap; called by every operation of this layer).
    public func makeCurrent() throws {
        try driver.check(driver.cuCtxSetCurrent(handle), "cuCtxSetCurrent")
    }

    /// Waits for all work on the device to finish.
    public func synchronize() throws {
        try makeCurrent()
        try driver.check(driver.cuCtxSynchronize(), "cuCtxSynchronize")
    }

    /// Free and total device memory in bytes, as the driver sees them (other processes included).
    public func memoryInfo() throws -> (free: Int, total: Int) {
        try makeCurrent()
        var free = 0
        var total = 0
        try driver.check(driver.cuMemGetInfo(&free, &total), "cuMemGetInfo_v2")
        return (free, total)
    }

    private static func readInfo(driver: DriverAPI, device: CUdevice, ordinal: Int) throws -> CUDADeviceInfo {
        func attribute(_ attribute: CUDeviceAttribute) throws -> Int {
            var value: Int32 = 0
            try driver.check(
                driver.cuDeviceGetAttribute(&value, attribute.rawValue, device), "cuDeviceGetAttribute(\(attribute))")
            return Int(value)
        }
        var nameBytes = [CChar](repeating: 0, count: 256)
        try driver.check(driver.cuDeviceGetName(&nameBytes, Int32(nameBytes.count - 1), device), "cuDeviceGetName")
        var totalMemory = 0
        try driver.check(driver.cuDeviceTotalMem(&totalMemory, device), "cuDeviceTotalMem_v2")
        var driverVersion: Int32 = 0
        try driver.check(driver.cuDriverGetVersion(&driverVersion), "cuDriverGetVersion")
        let name = String(decoding: nameBytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return CUDADeviceInfo(
            ordinal: ordinal, name: name,
            computeCapability: (try attribute(.computeCapabilityMajor), try attribute(.computeCapabilityMinor)),
            multiprocessorCount: try attribute(.multiprocessorCount), totalMemoryBytes: totalMemory,
            l2CacheBytes: try attribute(.l2CacheSize),
            maxSharedMemoryPerBlockOptin: try attribute(.maxSharedMemoryPerBlockOptin),
            maxThreadsPerBlock: try attribute(.maxThreadsPerBlock), driverVersion: Int(driverVersion))
    }
}
