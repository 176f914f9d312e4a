// SwiftMACE, MIT licence.
// PinnedHostBuffer: page-locked host memory, which the device copies to and from by DMA, asynchronously on a
// stream and at the link's full rate; and DeviceBuffer's copies through it.

/// Host memory the driver has page-locked (`cuMemAllocHost`), freed when released.
///
/// Copies from pageable memory are staged by the driver through a buffer of its own, synchronously; from this
/// memory they are a DMA that a stream orders with its kernels. The price: the host must not touch the bytes while
/// a queued copy may still read or write them (record an event after the copy and wait on it first).
public final class PinnedHostBuffer: @unchecked Sendable {
    public let context: CUDAContext
    public let byteCount: Int
    /// The first byte (16-byte aligned or better: the driver returns page-aligned memory).
    public let base: UnsafeMutableRawPointer

    /// - Throws: `CUDAError.invalidArgument` for a negative size, `CUDAError.driver` when the driver cannot
    ///   page-lock that much.
    public init(context: CUDAContext, byteCount: Int) throws {
        guard byteCount >= 0 else {
            throw CUDAError.invalidArgument("pinned host buffer of \(byteCount) bytes; expected ≥ 0")
        }
        self.context = context
        self.byteCount = byteCount
        try context.makeCurrent()
        var pointer: UnsafeMutableRawPointer?
        try context.driver.check(context.driver.cuMemAllocHost(&pointer, max(byteCount, 1)), "cuMemAllocHost_v2")
        guard let pointer else {
            throw CUDAError.driver(call: "cuMemAllocHost_v2", code: 0, name: "CUDA_SUCCESS", message: "returned no memory")
        }
        base = pointer
    }

    deinit {
        _ = context.driver.cuMemFreeHost(base)
    }

    /// The first `count` elements as `T` (`count · stride` must fit).
    public func elements<T: BitwiseCopyable>(_ type: T.Type, count: Int) -> UnsafeMutableBufferPointer<T> {
        precondition(count >= 0 && count * MemoryLayout<T>.stride <= byteCount, "pinned view past the buffer's end")
        return UnsafeMutableBufferPointer(start: base.bindMemory(to: T.self, capacity: count), count: count)
    }
}

extension DeviceBuffer {
    /// Queues a copy of the first `byteCount` bytes of `source` to the start of this buffer on `stream`; returns at
    /// once (``PinnedHostBuffer``: leave `source` alone until the copy is done).
    public func copy(from source: PinnedHostBuffer, byteCount: Int, stream: CUDAStream) throws {
        try checkTransfer(byteCount, source, "copy(from: pinned)")
        try context.makeCurrent()
        try context.driver.check(
            context.driver.cuMemcpyHtoDAsync(address, source.base, byteCount, stream.handle), "cuMemcpyHtoDAsync_v2")
    }

    /// Queues a copy of this buffer's first `byteCount` bytes into `target` on `stream`; returns at once (wait for
    /// the stream before reading `target`).
    public func copy(to target: PinnedHostBuffer, byteCount: Int, stream: CUDAStream) throws {
        try checkTransfer(byteCount, target, "copy(to: pinned)")
        try context.makeCurrent()
        try context.driver.check(
            context.driver.cuMemcpyDtoHAsync(target.base, address, byteCount, stream.handle), "cuMemcpyDtoHAsync_v2")
    }

    private func checkTransfer(_ bytes: Int, _ host: PinnedHostBuffer, _ operation: String) throws {
        guard bytes >= 0, bytes <= self.byteCount, bytes <= host.byteCount else {
            throw CUDAError.invalidArgument(
                "\(operation): \(bytes) bytes between a device buffer of \(self.byteCount) and a pinned buffer of "
                    + "\(host.byteCount) bytes")
        }
    }
}
