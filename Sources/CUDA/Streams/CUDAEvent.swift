// SwiftMACE, MIT licence.
// CUDAEvent: a marker recorded on a stream, for timing device work (elapsed milliseconds between two events) and
// waiting for it.

/// A CUDA event with timing enabled.
public final class CUDAEvent: @unchecked Sendable {
    /// The context the event belongs to.
    public let context: CUDAContext
    let handle: CUhandle

    /// Creates an event that records timestamps.
    public init(context: CUDAContext) throws {
        self.context = context
        try context.makeCurrent()
        var event: CUhandle?
        try context.driver.check(context.driver.cuEventCreate(&event, CUConstant.eventDefault), "cuEventCreate")
        guard let event else {
            throw CUDAError.driver(call: "cuEventCreate", code: 0, name: "CUDA_SUCCESS", message: "returned no event")
        }
        handle = event
    }

    deinit {
        _ = context.driver.cuEventDestroy(handle)
    }

    /// Records the event at the current end of `stream`'s queue.
    public func record(on stream: CUDAStream) throws {
        try context.makeCurrent()
        try context.driver.check(context.driver.cuEventRecord(handle, stream.handle), "cuEventRecord")
    }

    /// Blocks until the work before the recorded point has finished.
    public func synchronize() throws {
        try context.makeCurrent()
        try context.driver.check(context.driver.cuEventSynchronize(handle), "cuEventSynchronize")
    }

    /// Milliseconds of device time from `start` to this event (both recorded; waits for this one).
    /// Resolution is about 0.5 µs.
    public func elapsedMilliseconds(since start: CUDAEvent) throws -> Double {
        try synchronize()
        var milliseconds: Float = 0
        try context.driver.check(
            context.driver.cuEventElapsedTime(&milliseconds, start.handle, handle), "cuEventElapsedTime")
        return Double(milliseconds)
    }
}
