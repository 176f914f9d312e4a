// SwiftMACE, MIT licence.
// CUDAGraph: record the device work a closure queues on a stream (stream capture) into an executable graph, then
// replay it with one launch: many small kernels without per-launch CPU overhead.

/// An instantiated CUDA graph, captured from a stream.
///
/// Capture records the work; it does not run it. Replays read and write the same device addresses as the captured
/// launches, so the buffers they use must outlive the graph. Allocations and synchronisation are forbidden inside
/// the captured closure (thread-local capture mode): allocate first, capture second.
public final class CUDAGraph: @unchecked Sendable {
    /// The context the graph belongs to.
    public let context: CUDAContext
    private let graph: CUhandle
    private let executable: CUhandle

    /// Captures the work `body` queues on `stream` and instantiates it.
    /// - Throws: `body`'s error (capture is ended and discarded first), or `CUDAError.driver` naming
    ///   `cuStreamBeginCapture_v2`, `cuStreamEndCapture` or `cuGraphInstantiateWithFlags`.
    public init(capturing stream: CUDAStream, _ body: () throws -> Void) throws {
        let context = stream.context
        let driver = context.driver
        self.context = context
        try context.makeCurrent()
        try driver.check(
            driver.cuStreamBeginCapture(stream.handle, CUConstant.captureModeThreadLocal), "cuStreamBeginCapture_v2")
        var captured: CUhandle?
        do {
            try body()
        } catch {
            _ = driver.cuStreamEndCapture(stream.handle, &captured)
            if let captured { _ = driver.cuGraphDestroy(captured) }
            throw error
        }
        try driver.check(driver.cuStreamEndCapture(stream.handle, &captured), "cuStreamEndCapture")
        guard let captured else {
            throw CUDAError.driver(
                call: "cuStreamEndCapture", code: 0, name: "CUDA_SUCCESS", message: "returned no graph")
        }
        var instance: CUhandle?
        let result = driver.cuGraphInstantiateWithFlags(&instance, captured, 0)
        guard result == CUConstant.success, let instance else {
            _ = driver.cuGraphDestroy(captured)
            throw driver.error(result, "cuGraphInstantiateWithFlags")
        }
        graph = captured
        executable = instance
    }

    deinit {
        _ = context.driver.cuGraphExecDestroy(executable)
        _ = context.driver.cuGraphDestroy(graph)
    }

    /// Queues one replay of the captured work on `stream`.
    public func launch(on stream: CUDAStream) throws {
        try context.makeCurrent()
        try context.driver.check(context.driver.cuGraphLaunch(executable, stream.handle), "cuGraphLaunch")
    }
}
