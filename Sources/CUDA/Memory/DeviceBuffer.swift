// SwiftMACE, MIT licence.
// DeviceBuffer: device memory from the context's caching allocator, returned to it when the buffer is released,
// with typed copies to and from host arrays.

/// A block of device memory that returns to its context's `CachingAllocator` when released.
///
/// Copies on a stream are ordered with the kernels on that stream; copies without a stream use the legacy default
/// stream, which does not wait for non-blocking streams: pass the stream the data was computed on.
public final class DeviceBuffer: @unchecked Sendable {
    /// The context the memory belongs to.
    public let context: CUDAContext
    /// Bytes the caller asked for (the block may be larger).
    public let byteCount: Int
    private let block: DeviceBlock

    /// Device address of the first byte (a kernel pointer argument).
    public var address: UInt64 { block.address }

    /// Allocates `byteCount` bytes for use on `stream` (the legacy default stream when nil). Contents are undefined.
    /// - Throws: `CUDAError.invalidArgument` for a bad size, `CUDAError.driver` when the device is out of memory.
    public init(context: CUDAContext, byteCount: Int, stream: CUDAStream? = nil) throws {
        self.context = context
        self.byteCount = byteCount
        block = try context.allocator.allocate(byteCount: byteCount, stream: stream?.id ?? .default)
    }

    /// Allocates a buffer holding a copy of `values`.
    public convenience init<T: BitwiseCopyable>(context: CUDAContext, copying values: [T], stream: CUDAStream? = nil)
        throws
    {
        try self.init(context: context, byteCount: values.count * MemoryLayout<T>.stride, stream: stream)
        try copy(from: values, stream: stream)
    }

    deinit {
        context.allocator.free(block)
    }

    /// Copies `values` to the start of the buffer. Returns once the host array may be reused (NVIDIA's rule for
    /// pageable memory: staged before return).
    /// - Throws: `CUDAError.invalidArgument` when `values` is larger than the buffer.
    public func copy<T: BitwiseCopyable>(from values: [T], stream: CUDAStream? = nil) throws {
        let bytes = values.count * MemoryLayout<T>.stride
        try checkFits(bytes, "copy(from:)")
        try context.makeCurrent()
        let driver = context.driver
        try values.withUnsafeBytes { raw in
            if let stream {
                try driver.check(
                    driver.cuMemcpyHtoDAsync(address, raw.baseAddress, bytes, stream.handle), "cuMemcpyHtoDAsync_v2")
            } else {
                try driver.check(driver.cuMemcpyHtoD(address, raw.baseAddress, bytes), "cuMemcpyHtoD_v2")
            }
        }
    }

    /// Copies the first `count` elements of type `T` to the host, after the work queued on `stream` (waits for it).
    /// - Throws: `CUDAError.invalidArgument` when `count` elements exceed the buffer; a kernel fault surfaces here.
    public func toArray<T: BitwiseCopyable>(of type: T.Type, count: Int, stream: CUDAStream? = nil) throws -> [T] {
        let bytes = count * MemoryLayout<T>.stride
        guard count >= 0 else { throw CUDAError.invalidArgument("toArray count \(count); expected ≥ 0") }
        try checkFits(bytes, "toArray")
        try context.makeCurrent()
        let driver = context.driver
        let address = self.address
        return try [T](unsafeUninitializedCapacity: count) { elements, initialized in
            let destination = UnsafeMutableRawPointer(elements.baseAddress)
            if let stream {
                try driver.check(
                    driver.cuMemcpyDtoHAsync(destination, address, bytes, stream.handle), "cuMemcpyDtoHAsync_v2")
                try driver.check(driver.cuStreamSynchronize(stream.handle), "cuStreamSynchronize")
            } else {
                try driver.check(driver.cuMemcpyDtoH(destination, address, bytes), "cuMemcpyDtoH_v2")
            }
            initialized = count
        }
    }

    /// Copies `byteCount` bytes from the start of `source` to the start of this buffer, on the device.
    public func copy(from source: DeviceBuffer, byteCount: Int, stream: CUDAStream? = nil) throws {
        guard byteCount >= 0, byteCount <= source.byteCount else {
            throw CUDAError.invalidArgument(
                "device copy of \(byteCount) bytes from a buffer of \(source.byteCount) bytes")
        }
        try checkFits(byteCount, "copy(from:byteCount:)")
        try context.makeCurrent()
        let driver = context.driver
        if let stream {
            try driver.check(
                driver.cuMemcpyDtoDAsync(address, source.address, byteCount, stream.handle), "cuMemcpyDtoDAsync_v2")
        } else {
            try driver.check(driver.cuMemcpyDtoD(address, source.address, byteCount), "cuMemcpyDtoD_v2")
        }
    }

    /// Sets every byte of the buffer to `value` (e.g. 0xFF to poison outputs before a check).
    public func fill(byte value: UInt8, stream: CUDAStream? = nil) throws {
        try context.makeCurrent()
        let driver = context.driver
        if let stream {
            try driver.check(driver.cuMemsetD8Async(address, value, byteCount, stream.handle), "cuMemsetD8Async")
        } else {
            try driver.check(driver.cuMemsetD8(address, value, byteCount), "cuMemsetD8_v2")
        }
    }

    private func checkFits(_ bytes: Int, _ operation: String) throws {
        guard bytes <= byteCount else {
            throw CUDAError.invalidArgument("\(operation): \(bytes) bytes into a buffer of \(byteCount) bytes")
        }
    }
}
