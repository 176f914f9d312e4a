// SwiftMACE, MIT licence.
// CUDAStream: an ordered queue of device work (a non-blocking driver stream, so it never waits on the legacy
// default stream).

/// A CUDA stream: work queued on it runs in order; different streams may overlap.
public final class CUDAStream: @unchecked Sendable {
    /// The context the stream belongs to.
    public let context: CUDAContext
    let handle: CUhandle

    /// Creates a non-blocking stream.
    /// - Throws: `CUDAError.driver` naming `cuStreamCreate`.
    public init(context: CUDAContext) throws {
        self.context = context
        try context.makeCurrent()
        var stream: CUhandle?
        try context.driver.check(context.driver.cuStreamCreate(&stream, CUConstant.streamNonBlocking), "cuStreamCreate")
        guard let stream else {
            throw CUDAError.driver(call: "cuStreamCreate", code: 0, name: "CUDA_SUCCESS", message: "returned no stream")
        }
        handle = stream
    }

    deinit {
        _ = context.driver.cuStreamDestroy(handle)
    }

    /// The allocator key of this stream: blocks freed here are reused only for work on this stream.
    public var id: StreamID { StreamID(raw: UInt(bitPattern: UnsafeRawPointer(handle))) }

    /// Makes work queued on this stream from now on wait for `event`'s recorded point (on any stream), without
    /// blocking the host; inside a stream capture this joins the two streams' captured work.
    /// - Throws: `CUDAError.driver` naming `cuStreamWaitEvent`.
    public func wait(for event: CUDAEvent) throws {
        try context.makeCurrent()
        try context.driver.check(context.driver.cuStreamWaitEvent(handle, event.handle, 0), "cuStreamWaitEvent")
    }

    /// Blocks until all work queued so far has finished.
    /// - Throws: `CUDAError.driver` naming `cuStreamSynchronize`; a kernel fault surfaces here.
    public func synchronize() throws {
        try context.makeCurrent()
        try context.driver.check(context.driver.cuStreamSynchronize(handle), "cuStreamSynchronize")
    }
}
