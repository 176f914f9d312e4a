// SwiftMACE, MIT licence.
// ChunkPipeline: two edge-weight buffers and a second stream, so that one edge chunk's conv kernels run while the
// next chunk's weights are computed (GEMM on the model's stream, conv kernels on the pipeline's).

import CUDA

/// Double-buffered edge weights for edge chunks: chunk `i` writes `weights(i)` on the producing (model's) stream;
/// ``handOver(_:from:)`` lets the consuming stream ``stream`` start on it; ``consumed(_:)`` marks it read, and
/// ``reuse(_:on:)`` holds the producer back until the chunk two before was consumed. ``join(_:)`` makes the
/// producer wait for everything queued on ``stream``, so a pass (and its CUDA-graph capture) ends on one stream.
/// The conv kernels of one chunk still run in chunk order on ``stream``: results are the same as without overlap.
final class ChunkPipeline {
    let stream: CUDAStream
    private let buffers: [DeviceBuffer]
    private let ready: [CUDAEvent]
    private let done: [CUDAEvent]
    private let end: CUDAEvent
    /// Whether ``stream`` got work since the last ``join(_:)`` (only then is there anything to join; inside a capture
    /// ``stream`` is part of it only once it waited for the producer).
    private var pending = false

    /// - Parameter weights: the two edge-weight buffers, each `[chunk rows, widest weight row]`.
    init(context: CUDAContext, weights: [DeviceBuffer]) throws {
        stream = try CUDAStream(context: context)
        buffers = weights
        ready = try weights.map { _ in try CUDAEvent(context: context) }
        done = try weights.map { _ in try CUDAEvent(context: context) }
        end = try CUDAEvent(context: context)
    }

    /// The weight buffer of the `i`-th chunk processed in a loop.
    func weights(_ i: Int) -> DeviceBuffer { buffers[i % buffers.count] }

    /// Before `producer` writes ``weights(_:)`` of chunk `i`: waits until chunk `i − 2`'s kernels have read it.
    func reuse(_ i: Int, on producer: CUDAStream) throws {
        if i >= buffers.count { try producer.wait(for: done[i % buffers.count]) }
    }

    /// After `producer` queued chunk `i`'s weights: work queued on ``stream`` from now on sees them.
    func handOver(_ i: Int, from producer: CUDAStream) throws {
        try ready[i % buffers.count].record(on: producer)
        try stream.wait(for: ready[i % buffers.count])
        pending = true
    }

    /// After chunk `i`'s kernels were queued on ``stream``.
    func consumed(_ i: Int) throws {
        try done[i % buffers.count].record(on: stream)
    }

    /// Makes `producer` wait for everything queued on ``stream`` (the end of a chunk loop).
    func join(_ producer: CUDAStream) throws {
        guard pending else { return }
        try end.record(on: stream)
        try producer.wait(for: end)
        pending = false
    }
}
