// SwiftMACE, MIT licence.
// ModelBenchmark: timings of the CUDA model on one graph: per-block CUDA-event times, end-to-end energy + forces
// latency (median after warm-up, direct launches and a captured CUDA graph), peak device memory.

import Atoms
import CUDA
import Foundation
import MACE

/// What `swiftmace bench --device cuda` measures.
public struct ModelTimings: Sendable {
    /// Median ms per stage over the timed repeats (stages in pass order).
    public var blocks: [(name: String, milliseconds: Double)] = []
    /// End-to-end energy + forces, ms, median / min / max: positions upload, the pass replayed as a CUDA graph, node
    /// energies and forces downloaded (what `evaluate` does on a graph it has seen).
    public var endToEnd: (median: Double, min: Double, max: Double) = (0, 0, 0)
    /// Where the end-to-end time goes (host clock, median ms of each, with the graph): `upload` (positions reordered
    /// and copied), `queue` (the graph launch call), `wait` (the host blocked until the device finishes), `read`
    /// (energies and forces downloaded and mapped to graph order); and the pass's device time between events around
    /// `queue`. Timed in their own repeats, after ``endToEnd``.
    public var endToEndStages: [(name: String, milliseconds: Double)] = []
    /// The same with the pass launched kernel by kernel (no graph), median ms.
    public var endToEndDirect: Double = 0
    /// The pass alone replayed as a CUDA graph (device time between events), median ms; nil when capture failed.
    public var graphReplay: Double?
    public var graphError: String?
    /// Most device bytes held at once during a pass (caching allocator, after model upload).
    public var peakBytes: Int = 0
    /// Device bytes of the model's weights and workspace.
    public var workspaceBytes: Int = 0
    /// One training step's GPU work, median ms (host clock): energy + forces, then the parameter gradient of an
    /// energy + force loss (cotangents uploaded, the dual forward and its reverse, gradients downloaded); nil where
    /// the policy has no training pass (``trainingStepError`` says why).
    public var trainingStep: Double?
    public var trainingStepError: String?
    /// Most device bytes held at once with the training buffers allocated.
    public var trainingPeakBytes: Int?
    /// Median ms per stage of the training pass (CUDA events; `train forward (all)` / `train reverse (all)` span
    /// every stage of each half, the named stages inside them), and of the gradients' download and mapping (host).
    public var trainingBlocks: [(name: String, milliseconds: Double)] = []
}

extension CUDAMACEModel {
    /// Times energy + forces on `graph`: `warmup` untimed passes, then `repeats` timed ones of each kind.
    public func benchmark(_ graph: AtomicGraph, warmup: Int, repeats: Int) throws -> ModelTimings {
        var timings = ModelTimings()
        context.allocator.resetPeak()
        let workspace = try workspace(for: graph)
        for _ in 0..<max(warmup, 1) { _ = try evaluate(graph, on: workspace) }
        timings.workspaceBytes = context.allocator.currentBytes
        // Per block.
        let timer = BlockTimer(context: context, stream: stream)
        var blocks = StageSamples()
        for _ in 0..<repeats {
            timer.reset()
            try pass(workspace, timer: timer)
            try stream.synchronize()
            for (name, ms) in try timer.totals() { blocks.add(name, ms) }
        }
        timings.blocks = blocks.medians
        // End to end, host clock around positions upload + pass + energies and forces download (the neighbour list
        // and the device layout of the graph are built once, outside); with and without the captured graph.
        let capturing = capturesGraphs
        defer { capturesGraphs = capturing }
        for graphs in [false, true] {
            capturesGraphs = graphs
            _ = try evaluate(graph, on: workspace)
            let wall = try (0..<repeats).map { _ in try Self.wallMilliseconds { _ = try evaluate(graph, on: workspace) } }
            if graphs {
                timings.endToEnd = (Self.median(wall), wall.min() ?? 0, wall.max() ?? 0)
            } else {
                timings.endToEndDirect = Self.median(wall)
            }
        }
        timings.graphError = workspace.captureError
        var stages = StageSamples()
        let passStart = try CUDAEvent(context: context), passEnd = try CUDAEvent(context: context)
        for _ in 0..<repeats {
            stages.add("upload", try Self.wallMilliseconds { try uploadPositions(graph, workspace) })
            try passStart.record(on: stream)
            stages.add("queue", try Self.wallMilliseconds { try queuePass(workspace) })
            try passEnd.record(on: stream)
            stages.add("wait", try Self.wallMilliseconds { try stream.synchronize() })
            stages.add("read", try Self.wallMilliseconds { _ = try readOutputs(graph, workspace, computeStress: false) })
            stages.add("pass on the device (events)", try passEnd.elapsedMilliseconds(since: passStart))
        }
        timings.endToEndStages = stages.medians
        // The captured pass alone, device time between events.
        if let captured = workspace.captured {
            let start = try CUDAEvent(context: context), end = try CUDAEvent(context: context)
            var replays: [Double] = []
            for _ in 0..<repeats {
                try start.record(on: stream)
                try captured.launch(on: stream)
                try end.record(on: stream)
                try end.synchronize()
                replays.append(try end.elapsedMilliseconds(since: start))
            }
            timings.graphReplay = Self.median(replays)
        }
        timings.peakBytes = context.allocator.peakBytes
        do {
            timings.trainingStep = try trainingStepMilliseconds(graph, workspace, warmup: warmup, repeats: repeats)
            timings.trainingPeakBytes = context.allocator.peakBytes
            timings.trainingBlocks = try trainingBlocks(graph, workspace, repeats: repeats)
        } catch {
            timings.trainingStepError = "\(error)"
        }
        return timings
    }

    /// Median wall time of energy + forces then ``parameterGradients(_:energyCotangents:forceCotangents:)`` with
    /// fixed cotangents (c = 1 per graph, v = 0.1 per force component).
    private func trainingStepMilliseconds(_ graph: AtomicGraph, _ workspace: Workspace, warmup: Int, repeats: Int)
        throws -> Double
    {
        let (c, v) = Self.benchmarkCotangents(graph)
        for _ in 0..<max(warmup, 1) {
            _ = try evaluate(graph, on: workspace)
            _ = try parameterGradients(graph, energyCotangents: c, forceCotangents: v)
        }
        let wall = try (0..<repeats).map { _ in
            try Self.wallMilliseconds {
                _ = try evaluate(graph, on: workspace)
                _ = try parameterGradients(graph, energyCotangents: c, forceCotangents: v)
            }
        }
        return Self.median(wall)
    }

    /// The training pass's stages (after ``trainingStepMilliseconds(_:_:warmup:repeats:)``, so buffers exist).
    private func trainingBlocks(_ graph: AtomicGraph, _ workspace: Workspace, repeats: Int) throws
        -> [(name: String, milliseconds: Double)]
    {
        let (c, v) = Self.benchmarkCotangents(graph)
        let timer = BlockTimer(context: context, stream: stream)
        var blocks = StageSamples()
        for _ in 0..<repeats {
            try queuePass(workspace)  // a training pass consumes its energy + forces pass's edge values
            timer.reset()
            let gradients = try queueTrainingPass(
                workspace, energyCotangents: c, forceCotangents: v, graph: graph, timer: timer)
            try stream.synchronize()
            for (name, ms) in try timer.totals() { blocks.add(name, ms) }
            blocks.add("host: gradients downloaded and mapped", try Self.wallMilliseconds { _ = try gradients.download(self) })
        }
        return blocks.medians
    }

    /// Fixed loss cotangents for timing: c = 1 per graph, v = 0.1 per force component.
    static func benchmarkCotangents(_ graph: AtomicGraph) -> ([Double], [SIMD3<Double>]) {
        ([Double](repeating: 1, count: graph.numGraphs),
         [SIMD3<Double>](repeating: SIMD3(0.1, 0.1, 0.1), count: graph.numNodes))
    }

    /// Host time of `body`, ms.
    static func wallMilliseconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }
}

/// Times per named stage over repeats, in order of first appearance.
struct StageSamples {
    private var order: [String] = []
    private var samples: [String: [Double]] = [:]

    mutating func add(_ name: String, _ milliseconds: Double) {
        if samples[name] == nil { order.append(name) }
        samples[name, default: []].append(milliseconds)
    }

    /// The median of each stage.
    var medians: [(name: String, milliseconds: Double)] {
        order.map { ($0, CUDAMACEModel.median(samples[$0] ?? [])) }
    }
}
