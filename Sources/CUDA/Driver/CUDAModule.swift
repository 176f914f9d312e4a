// SwiftMACE, MIT licence.
// CUDAModule and CUDAKernel: a loaded CUBIN and one of its `extern "C"` kernels, launched with typed arguments.

/// A module (compiled CUBIN) loaded into a context.
public final class CUDAModule: @unchecked Sendable {
    /// The context the module is loaded in.
    public let context: CUDAContext
    let handle: CUhandle

    /// Loads a CUBIN (or PTX) image.
    /// - Throws: `CUDAError.driver` naming `cuModuleLoadData` (e.g. a CUBIN for another architecture).
    public init(context: CUDAContext, image: [UInt8]) throws {
        self.context = context
        try context.makeCurrent()
        var module: CUhandle?
        // The driver reads the image up to its own length field; a zero terminator keeps PTX text terminated too.
        let terminated = image + [0]
        try terminated.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            try context.driver.check(context.driver.cuModuleLoadData(&module, base), "cuModuleLoadData")
        }
        guard let module else {
            throw CUDAError.driver(call: "cuModuleLoadData", code: 0, name: "CUDA_SUCCESS", message: "no module")
        }
        handle = module
    }

    deinit {
        _ = context.driver.cuModuleUnload(handle)
    }

    /// The kernel named `name` (an `extern "C"` name, so not mangled).
    /// - Throws: `CUDAError.driver` naming `cuModuleGetFunction` and the name (CUDA_ERROR_NOT_FOUND when absent).
    public func kernel(named name: String) throws -> CUDAKernel {
        try context.makeCurrent()
        var function: CUhandle?
        try context.driver.check(
            context.driver.cuModuleGetFunction(&function, handle, name), "cuModuleGetFunction(\(name))")
        guard let function else {
            throw CUDAError.driver(
                call: "cuModuleGetFunction(\(name))", code: 0, name: "CUDA_SUCCESS", message: "no function")
        }
        return CUDAKernel(module: self, name: name, handle: function)
    }
}

/// A scalar or pointer argument of a kernel launch, in the C type of the kernel's parameter.
public enum KernelArgument: Sendable {
    case int32(Int32)
    case int64(Int64)
    case uint64(UInt64)
    case float32(Float)
    case float64(Double)
    /// A device pointer (`T*` in the kernel).
    case pointer(UInt64)

    /// The buffer's device address.
    public static func buffer(_ buffer: DeviceBuffer) -> KernelArgument { .pointer(buffer.address) }
}

/// One kernel of a loaded module.
public struct CUDAKernel: @unchecked Sendable {
    /// Keeps the module loaded while the kernel is in use.
    public let module: CUDAModule
    /// The kernel's name in the module.
    public let name: String
    let handle: CUhandle

    /// Allows more than 48 KiB of dynamic shared memory per block (up to the device's opt-in limit).
    public func setMaxDynamicSharedMemory(bytes: Int) throws {
        let context = module.context
        try context.makeCurrent()
        try context.driver.check(
            context.driver.cuFuncSetAttribute(handle, CUConstant.funcAttributeMaxDynamicSharedBytes, Int32(bytes)),
            "cuFuncSetAttribute(\(name), MAX_DYNAMIC_SHARED_SIZE_BYTES, \(bytes))")
    }

    /// Queues the kernel on `stream`.
    /// - Parameters:
    ///   - grid: blocks in x, y, z (each ≥ 1).
    ///   - block: threads per block in x, y, z (product ≤ the device's `maxThreadsPerBlock`).
    ///   - sharedMemoryBytes: dynamic shared memory per block.
    ///   - arguments: one per kernel parameter, in order, each of the parameter's C type.
    /// - Throws: `CUDAError.invalidArgument` for non-positive or 32-bit-overflowing dimensions; `CUDAError.driver`
    ///   naming `cuLaunchKernel` and the kernel. Faults inside the kernel surface at the next synchronisation.
    public func launch(
        grid: (x: Int, y: Int, z: Int), block: (x: Int, y: Int, z: Int), sharedMemoryBytes: Int = 0,
        stream: CUDAStream, arguments: [KernelArgument]
    ) throws {
        let dimensions = [grid.x, grid.y, grid.z, block.x, block.y, block.z]
        guard dimensions.allSatisfy({ $0 >= 1 && $0 <= Int(Int32.max) }),
            sharedMemoryBytes >= 0, sharedMemoryBytes <= Int(Int32.max)
        else {
            throw CUDAError.invalidArgument(
                "launch of \(name): grid \(grid), block \(block), shared \(sharedMemoryBytes) B; expected dimensions ≥ 1")
        }
        let context = module.context
        try context.makeCurrent()
        // Each argument lives in its own 8-byte slot; the driver reads `sizeof(parameter)` bytes from each pointer.
        let slots = UnsafeMutableRawPointer.allocate(byteCount: max(arguments.count, 1) * 8, alignment: 8)
        defer { slots.deallocate() }
        var pointers: [UnsafeMutableRawPointer?] = []
        pointers.reserveCapacity(arguments.count)
        for (index, argument) in arguments.enumerated() {
            let slot = slots + index * 8
            switch argument {
            case .int32(let value): slot.storeBytes(of: value, as: Int32.self)
            case .int64(let value): slot.storeBytes(of: value, as: Int64.self)
            case .uint64(let value), .pointer(let value): slot.storeBytes(of: value, as: UInt64.self)
            case .float32(let value): slot.storeBytes(of: value, as: Float.self)
            case .float64(let value): slot.storeBytes(of: value, as: Double.self)
            }
            pointers.append(slot)
        }
        let result = pointers.withUnsafeMutableBufferPointer { parameters in
            context.driver.cuLaunchKernel(
                handle, UInt32(grid.x), UInt32(grid.y), UInt32(grid.z), UInt32(block.x), UInt32(block.y),
                UInt32(block.z), UInt32(sharedMemoryBytes), stream.handle, parameters.baseAddress, nil)
        }
        try context.driver.check(result, "cuLaunchKernel(\(name))")
    }
}
