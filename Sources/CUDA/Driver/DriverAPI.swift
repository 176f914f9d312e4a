// SwiftMACE, MIT licence.
// DriverAPI: the CUDA driver entry points, looked up with dlsym in libcuda.so.1 as `@convention(c)` function values,
// and `check`, which turns a non-zero CUresult into a CUDAError naming the call.

/// The driver API entry points this backend calls.
struct DriverAPI: @unchecked Sendable {
    typealias Handle = UnsafeMutablePointer<CUhandle?>

    let cuInit: @convention(c) (UInt32) -> CUresult
    let cuDriverGetVersion: @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    let cuDeviceGetCount: @convention(c) (UnsafeMutablePointer<Int32>) -> CUresult
    let cuDeviceGet: @convention(c) (UnsafeMutablePointer<CUdevice>, Int32) -> CUresult
    let cuDeviceGetAttribute: @convention(c) (UnsafeMutablePointer<Int32>, Int32, CUdevice) -> CUresult
    let cuDeviceGetName: @convention(c) (UnsafeMutablePointer<CChar>, Int32, CUdevice) -> CUresult
    let cuDeviceTotalMem: @convention(c) (UnsafeMutablePointer<Int>, CUdevice) -> CUresult
    let cuDevicePrimaryCtxRetain: @convention(c) (Handle, CUdevice) -> CUresult
    let cuCtxSetCurrent: @convention(c) (CUhandle?) -> CUresult
    let cuCtxSynchronize: @convention(c) () -> CUresult
    let cuMemGetInfo: @convention(c) (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) -> CUresult
    let cuMemAlloc: @convention(c) (UnsafeMutablePointer<CUdeviceptr>, Int) -> CUresult
    let cuMemFree: @convention(c) (CUdeviceptr) -> CUresult
    let cuMemAllocHost: @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>, Int) -> CUresult
    let cuMemFreeHost: @convention(c) (UnsafeMutableRawPointer?) -> CUresult
    let cuMemcpyHtoD: @convention(c) (CUdeviceptr, UnsafeRawPointer?, Int) -> CUresult
    let cuMemcpyDtoH: @convention(c) (UnsafeMutableRawPointer?, CUdeviceptr, Int) -> CUresult
    let cuMemcpyDtoD: @convention(c) (CUdeviceptr, CUdeviceptr, Int) -> CUresult
    let cuMemcpyHtoDAsync: @convention(c) (CUdeviceptr, UnsafeRawPointer?, Int, CUhandle?) -> CUresult
    let cuMemcpyDtoHAsync: @convention(c) (UnsafeMutableRawPointer?, CUdeviceptr, Int, CUhandle?) -> CUresult
    let cuMemcpyDtoDAsync: @convention(c) (CUdeviceptr, CUdeviceptr, Int, CUhandle?) -> CUresult
    let cuMemsetD8: @convention(c) (CUdeviceptr, UInt8, Int) -> CUresult
    let cuMemsetD8Async: @convention(c) (CUdeviceptr, UInt8, Int, CUhandle?) -> CUresult
    let cuModuleLoadData: @convention(c) (Handle, UnsafeRawPointer) -> CUresult
    let cuModuleUnload: @convention(c) (CUhandle?) -> CUresult
    let cuModuleGetFunction: @convention(c) (Handle, CUhandle?, UnsafePointer<CChar>) -> CUresult
    let cuLaunchKernel: @convention(c) (
        CUhandle?, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, CUhandle?,
        UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?
    ) -> CUresult
    let cuFuncSetAttribute: @convention(c) (CUhandle?, Int32, Int32) -> CUresult
    let cuStreamCreate: @convention(c) (Handle, UInt32) -> CUresult
    let cuStreamDestroy: @convention(c) (CUhandle?) -> CUresult
    let cuStreamSynchronize: @convention(c) (CUhandle?) -> CUresult
    let cuStreamWaitEvent: @convention(c) (CUhandle?, CUhandle?, UInt32) -> CUresult
    let cuEventCreate: @convention(c) (Handle, UInt32) -> CUresult
    let cuEventDestroy: @convention(c) (CUhandle?) -> CUresult
    let cuEventRecord: @convention(c) (CUhandle?, CUhandle?) -> CUresult
    let cuEventSynchronize: @convention(c) (CUhandle?) -> CUresult
    let cuEventElapsedTime: @convention(c) (UnsafeMutablePointer<Float>, CUhandle?, CUhandle?) -> CUresult
    let cuStreamBeginCapture: @convention(c) (CUhandle?, Int32) -> CUresult
    let cuStreamEndCapture: @convention(c) (CUhandle?, Handle) -> CUresult
    let cuGraphInstantiateWithFlags: @convention(c) (Handle, CUhandle?, UInt64) -> CUresult
    let cuGraphLaunch: @convention(c) (CUhandle?, CUhandle?) -> CUresult
    let cuGraphExecDestroy: @convention(c) (CUhandle?) -> CUresult
    let cuGraphDestroy: @convention(c) (CUhandle?) -> CUresult
    let cuGetErrorName: @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> CUresult
    let cuGetErrorString: @convention(c) (CUresult, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> CUresult

    /// The library name the driver is loaded from.
    static let libraryName = "libcuda.so.1"

    /// Loads the driver library and every entry point.
    /// - Parameter libraryName: overridable so tests can check the no-driver path deterministically.
    /// - Throws: `CUDAError.noDriver` with `dlerror()`'s text when the library does not load;
    ///   `CUDAError.missingSymbol` when the driver is too old to have an entry point.
    static func load(libraryName: String = DriverAPI.libraryName) throws -> DriverAPI {
        let library: DynamicLibrary
        switch DynamicLibrary.open(firstOf: [libraryName]) {
        case .success(let opened): library = opened
        case .failure(let failure): throw CUDAError.noDriver(reason: failure.reasons.first ?? libraryName)
        }
        return try DriverAPI(library)
    }

    private init(_ l: DynamicLibrary) throws {
        cuInit = try l.function("cuInit")
        cuDriverGetVersion = try l.function("cuDriverGetVersion")
        cuDeviceGetCount = try l.function("cuDeviceGetCount")
        cuDeviceGet = try l.function("cuDeviceGet")
        cuDeviceGetAttribute = try l.function("cuDeviceGetAttribute")
        cuDeviceGetName = try l.function("cuDeviceGetName")
        cuDeviceTotalMem = try l.function("cuDeviceTotalMem_v2")
        cuDevicePrimaryCtxRetain = try l.function("cuDevicePrimaryCtxRetain")
        cuCtxSetCurrent = try l.function("cuCtxSetCurrent")
        cuCtxSynchronize = try l.function("cuCtxSynchronize")
        cuMemGetInfo = try l.function("cuMemGetInfo_v2")
        cuMemAlloc = try l.function("cuMemAlloc_v2")
        cuMemFree = try l.function("cuMemFree_v2")
        cuMemAllocHost = try l.function("cuMemAllocHost_v2")
        cuMemFreeHost = try l.function("cuMemFreeHost")
        cuMemcpyHtoD = try l.function("cuMemcpyHtoD_v2")
        cuMemcpyDtoH = try l.function("cuMemcpyDtoH_v2")
        cuMemcpyDtoD = try l.function("cuMemcpyDtoD_v2")
        cuMemcpyHtoDAsync = try l.function("cuMemcpyHtoDAsync_v2")
        cuMemcpyDtoHAsync = try l.function("cuMemcpyDtoHAsync_v2")
        cuMemcpyDtoDAsync = try l.function("cuMemcpyDtoDAsync_v2")
        cuMemsetD8 = try l.function("cuMemsetD8_v2")
        cuMemsetD8Async = try l.function("cuMemsetD8Async")
        cuModuleLoadData = try l.function("cuModuleLoadData")
        cuModuleUnload = try l.function("cuModuleUnload")
        cuModuleGetFunction = try l.function("cuModuleGetFunction")
        cuLaunchKernel = try l.function("cuLaunchKernel")
        cuFuncSetAttribute = try l.function("cuFuncSetAttribute")
        cuStreamCreate = try l.function("cuStreamCreate")
        cuStreamDestroy = try l.function("cuStreamDestroy_v2")
        cuStreamSynchronize = try l.function("cuStreamSynchronize")
        cuStreamWaitEvent = try l.function("cuStreamWaitEvent")
        cuEventCreate = try l.function("cuEventCreate")
        cuEventDestroy = try l.function("cuEventDestroy_v2")
        cuEventRecord = try l.function("cuEventRecord")
        cuEventSynchronize = try l.function("cuEventSynchronize")
        // CUDA 12.8 added cuEventElapsedTime_v2 (CUDA 13's headers map the name to it); older drivers have only v1.
        cuEventElapsedTime = try l.optionalFunction("cuEventElapsedTime_v2") ?? l.function("cuEventElapsedTime")
        cuStreamBeginCapture = try l.function("cuStreamBeginCapture_v2")
        cuStreamEndCapture = try l.function("cuStreamEndCapture")
        cuGraphInstantiateWithFlags = try l.function("cuGraphInstantiateWithFlags")
        cuGraphLaunch = try l.function("cuGraphLaunch")
        cuGraphExecDestroy = try l.function("cuGraphExecDestroy")
        cuGraphDestroy = try l.function("cuGraphDestroy")
        cuGetErrorName = try l.function("cuGetErrorName")
        cuGetErrorString = try l.function("cuGetErrorString")
    }

    /// Throws `CUDAError.driver` naming `call` when `result` is not `CUDA_SUCCESS`.
    func check(_ result: CUresult, _ call: @autoclosure () -> String) throws {
        guard result != CUConstant.success else { return }
        throw error(result, call())
    }

    /// The error for a failed call, with the driver's name and text for the code.
    func error(_ result: CUresult, _ call: String) -> CUDAError {
        var name: UnsafePointer<CChar>?
        var message: UnsafePointer<CChar>?
        _ = cuGetErrorName(result, &name)
        _ = cuGetErrorString(result, &message)
        return .driver(
            call: call, code: result, name: name.map { String(cString: $0) } ?? "CUDA_ERROR_UNKNOWN_CODE",
            message: message.map { String(cString: $0) } ?? "unrecognised error code")
    }
}
