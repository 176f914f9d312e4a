// SwiftMACE, MIT licence.
// Workspace: one graph uploaded in device order and every buffer a pass writes, allocated once per graph so
// repeated passes on it allocate nothing (positions may be replaced between passes).

import CUDA
import Equivariance
import EquivarianceCUDA

/// Device buffers for passes of one model over one graph layout.
final class Workspace {
    let layout: GraphLayout
    let nodes: Int
    let edges: Int

    // The graph (device order).
    let positions: DeviceBuffer  // f64 [N, 3]
    /// Page-locked host copies of what each evaluation moves: positions out (f64 `[N, 3]`, device rows), node
    /// energies (T `[N]`) and forces (f64 `[N, 3]`) back; `positionsSent` marks the end of the last positions copy.
    let hostPositions: PinnedHostBuffer
    let hostEnergies: PinnedHostBuffer
    let hostForces: PinnedHostBuffer
    let positionsSent: CUDAEvent
    let shifts: DeviceBuffer  // f64 [E, 3]
    let senders: DeviceBuffer  // int32 [E]
    let receivers: DeviceBuffer  // int32 [E]
    let elements: DeviceBuffer  // int32 [N]
    let oneHot: DeviceBuffer  // T [N, n_el]
    let receiverCSR: DeviceEdgeCSR
    let senderCSR: DeviceEdgeCSR
    let receiverOffsets: DeviceBuffer  // int32 [N + 1]
    let senderOffsets: DeviceBuffer  // int32 [N + 1]
    let senderEdgeIDs: DeviceBuffer  // int32 [E]

    // Forward values kept for the backward.
    let vectors: DeviceBuffer  // f64 [E, 3]
    let sh: DeviceBuffer  // T [E, (lmax+1)²]
    let radial: DeviceBuffer  // T [E, NB]
    let embedding: DeviceBuffer  // T [N, embedding width]
    /// Per layer.
    let up: [DeviceBuffer]
    /// [layer][mlp layer] T [E, h] where the MLP layer has an activation; with edge chunks one set shared by layers,
    /// or none where the fused MLP runs per chunk (``chunkPreActivations``).
    let preActivations: [[DeviceBuffer?]]
    /// T (16-bit under a 16-bit policy) [E, numel] per layer; empty with edge chunks (the edge weights then exist for
    /// one chunk at a time); a placeholder for a factored layer 0 and for the layers in `fusedConvLayers`.
    let edgeWeights: [DeviceBuffer]
    /// The layers whose conv forms its per-edge weights (``DeviceLayer/fusedConv``), and per layer the last radial
    /// layer's 16-bit input `[E, h]` it reads, forward and backward (nil for the other layers).
    let fusedConvLayers: Set<Int>
    let fusedConvInputs: [DeviceBuffer?]
    let messages: [DeviceBuffer]
    let features: [DeviceBuffer]
    /// Per readout with a hidden layer: its pre-activation `[N, hidden]`.
    let readoutPre: [DeviceBuffer?]

    // Temporaries.
    /// T [E, max h]: hidden activations of the GEMM radial MLP, the last layer's input of the fused one and of the
    /// factored first conv (nil where every layer's fused MLP writes that input elsewhere, or per chunk into
    /// `chunkInput`).
    let mlpActivation: DeviceBuffer?
    let splitActivation: DeviceBuffer?  // float32 [E, 3 · max h] for a 3xTF32 last radial layer
    /// 16-bit policies: radial-MLP GEMM inputs `[E, max(NB, max h)]` and linear GEMM inputs `[N, widest row]`.
    let halfEdgeInput: DeviceBuffer?
    let halfScratch: DeviceBuffer?
    /// Under ``PrecisionPolicy/bf16``: the addresses of the buffers holding 16-bit features (`up`, `messages`, `mid`,
    /// `preMessage`, `product`, `edgeUpGradient`), and a float32 `[N, widest]` scratch for a linear into one of
    /// them whose output segments take several paths (nil where every such linear writes each segment once).
    let halfFeatures: Set<UInt64>
    let halfFeatureScratch: DeviceBuffer?
    let mid: DeviceBuffer
    let preMessage: DeviceBuffer
    let product: DeviceBuffer
    let readoutHidden: DeviceBuffer
    let accumulated: DeviceBuffer  // T [N] Σ readouts
    let nodeEnergies: DeviceBuffer  // T [N]

    // Backward.
    let featureGradients: [DeviceBuffer]
    let productGradient: DeviceBuffer
    let messageGradient: DeviceBuffer
    let preMessageGradient: DeviceBuffer
    let midGradient: DeviceBuffer
    let upGradient: DeviceBuffer
    /// T [E, widest x1]: each edge's conv d/dx1 term, summed over the sender CSR (nil with edge chunks, one layer,
    /// or too little free device memory).
    let edgeUpGradient: DeviceBuffer?
    let weightGradient: DeviceBuffer  // T (16-bit under a 16-bit policy) [E (or the largest chunk), max numel]
    /// Two T [E, max h] (ping-pong of the GEMM radial MLP's backward); one buffer twice where every layer's MLP is
    /// fused (its backward uses only the last layer's input gradient), `[chunk, max h]` where it runs per chunk.
    let mlpGradients: [DeviceBuffer]
    /// T [E, SH] d/dSH of one layer's conv; `[slices, E, SH]` (the per-slice sums of ``DeviceLayer/fusedConv``'s
    /// backward) where a layer's conv forms its own weights.
    let layerSHGradient: DeviceBuffer
    let shGradient: DeviceBuffer
    let radialGradient: DeviceBuffer
    let energySeed: DeviceBuffer  // T [N] = scale
    let readoutGradient: DeviceBuffer
    let vectorGradients: DeviceBuffer  // f64 [E, 3]
    let forces: DeviceBuffer  // f64 [N, 3]

    /// Edge chunks (empty without): receiver-CSR chunks with their device CSRs and the same edges grouped by sender
    /// (``EdgeChunk/byGatheredRow(scratch:)``, rows named by `senders`), and per-chunk buffers (nil without): two
    /// edge-weight buffers `[chunk, max numel]` with the stream the conv kernels overlap on, the last radial layer's
    /// input `[chunk, its width]`, each edge's conv d/dx1 term `[chunk, widest x1]`.
    let receiverChunks: [(chunk: EdgeChunk, csr: DeviceEdgeCSR, bySender: DeviceEdgeCSR, senders: DeviceBuffer)]
    let chunkPipeline: ChunkPipeline?
    let chunkInput: DeviceBuffer?
    let chunkUpGradient: DeviceBuffer?
    /// With edge chunks and the fused radial MLP (empty otherwise): two sets (one per pipeline weight buffer) of the
    /// hidden layers' pre-activations `[chunk, h]`; the MLP then runs per chunk, forward and backward.
    let chunkPreActivations: [[DeviceBuffer]]
    var chunked: Bool { chunkPipeline != nil }
    /// The factored first conv's node buffers (nil where the pass runs layer 0's conv on per-edge weights).
    let factored: FactoredConvKernels.Buffers?

    /// Passes run on this workspace, and the pass captured as a CUDA graph after the first (direct) one.
    var passes = 0
    /// Whether the last pass's edge weights and pre-activations are still here: a training pass reads them, then
    /// writes the edge weights' adjoints over them.
    var holdsPassValues = false
    var captured: CUDAGraph?
    var captureError: String?

    init(layout: GraphLayout, model: CUDAMACEModel) throws {
        let run = model.runner
        let (n, e) = (layout.nodeCount, layout.edgeCount)
        let context = run.context, stream = run.stream
        func ints(_ values: [Int32]) throws -> DeviceBuffer {
            try DeviceBuffer(context: context, copying: values.isEmpty ? [0] : values, stream: stream)
        }
        func doubles(_ count: Int) throws -> DeviceBuffer {
            try DeviceBuffer(context: context, byteCount: max(count, 1) * 8, stream: stream)
        }
        self.layout = layout
        nodes = n
        edges = e
        positions = try doubles(3 * n)
        hostPositions = try PinnedHostBuffer(context: model.context, byteCount: 3 * n * 8)
        hostEnergies = try PinnedHostBuffer(context: model.context, byteCount: n * run.elementSize)
        hostForces = try PinnedHostBuffer(context: model.context, byteCount: 3 * n * 8)
        positionsSent = try CUDAEvent(context: model.context)
        shifts = try DeviceBuffer(context: context, copying: layout.shifts.isEmpty ? [0] : layout.shifts, stream: stream)
        senders = try ints(layout.senders)
        receivers = try ints(layout.receivers)
        elements = try ints(layout.elements)
        oneHot = try run.upload(layout.oneHot(elementCount: model.elementCount, rows: n))
        receiverCSR = try DeviceEdgeCSR(context: context, csr: layout.receiverCSR, stream: stream)
        senderCSR = try DeviceEdgeCSR(context: context, csr: layout.senderCSR, stream: stream)
        receiverOffsets = try ints(layout.receiverCSR.rowOffsets)
        senderOffsets = try ints(layout.senderCSR.rowOffsets)
        senderEdgeIDs = try ints(layout.senderCSR.edgeIDs)

        let layers = model.layers
        let fusedConvLayers = model.fusedConvLayers(nodes: n)
        self.fusedConvLayers = fusedConvLayers
        fusedConvInputs = try layers.indices.map { t in
            try fusedConvLayers.contains(t) ? run.halfBuffer(e * (layers[t].radialMLP.last?.inputs ?? 1)) : nil
        }
        // Hidden widths only: the last layer writes the edge weights (their own buffers).
        let maxHidden = layers.flatMap { $0.radialMLP.dropLast().map(\.outputs) }.max() ?? 1
        let maxWeights = layers.map(\.weightCount).max() ?? 1
        func widest(_ width: (DeviceLayer) -> Int) -> Int { layers.map(width).max() ?? 1 }
        vectors = try doubles(3 * e)
        sh = try run.buffer(e * model.kernels.source.shCount)
        radial = try run.buffer(e * model.kernels.source.besselCount)
        embedding = try run.buffer(n * model.embedding.outputWidth)
        let halfFeatureStorage = model.precision.storesFeaturesInHalf
        let feature = { (count: Int) in halfFeatureStorage ? try run.halfBuffer(count) : try run.buffer(count) }
        up = try layers.map { try feature(n * $0.upWidth) }
        let fused = layers.allSatisfy { $0.hiddenWeights != nil }
        if model.edgeChunk != nil && fused {
            preActivations = layers.map { $0.radialMLP.map { _ in nil } }
        } else if model.edgeChunk == nil {
            preActivations = try layers.map { layer in
                try layer.radialMLP.map { $0.activation == nil ? nil : try run.buffer(e * $0.outputs) }
            }
        } else {
            // With edge chunks, memory matters most: one set of pre-activation buffers shared by all layers; the
            // backward recomputes a layer's hidden MLP before using them (the last layer's are still there).
            let depth = layers.map(\.radialMLP.count).max() ?? 0
            let shared: [DeviceBuffer?] = try (0..<depth).map { k in
                let widths = layers.compactMap { $0.radialMLP.dropFirst(k).first }.filter { $0.activation != nil }
                return widths.isEmpty ? nil : try run.buffer(e * (widths.map(\.outputs).max() ?? 1))
            }
            preActivations = layers.map { layer in
                layer.radialMLP.indices.map { layer.radialMLP[$0].activation == nil ? nil : shared[$0] }
            }
        }
        if let budget = model.edgeChunk {
            var scratch = [Int32](repeating: -1, count: n)
            receiverChunks = try EdgeChunk.chunks(of: layout.receiverCSR, gatherCount: n, budget: budget).map {
                let (bySender, senders) = try $0.byGatheredRow(scratch: &scratch)
                return (
                    $0, try DeviceEdgeCSR(context: context, csr: $0.csr, stream: stream),
                    try DeviceEdgeCSR(context: context, csr: bySender, stream: stream), try ints(senders)
                )
            }
            let rows = receiverChunks.map(\.chunk.positions.count).max() ?? 1
            let lastInputs = layers.compactMap { $0.radialMLP.last?.inputs }.max() ?? 1
            chunkPipeline = try ChunkPipeline(
                context: context, weights: (0..<2).map { _ in try run.buffer(rows * maxWeights) })
            let splits = layers.contains { $0.radialMLP.last?.splitWeight != nil }
            chunkInput = try run.buffer(rows * lastInputs * (splits ? 3 : 1))
            chunkUpGradient = try run.buffer(rows * widest(\.upWidth))
            let depth = fused ? layers.map { $0.radialMLP.count - 1 }.max() ?? 0 : 0
            chunkPreActivations = try (0..<(fused ? 2 : 0)).map { _ in
                try (0..<depth).map { _ in try run.buffer(rows * maxHidden) }
            }
            edgeWeights = []
            weightGradient = try run.buffer(rows * maxWeights)
        } else {
            receiverChunks = []
            (chunkPipeline, chunkInput, chunkUpGradient) = (nil, nil, nil)
            chunkPreActivations = []
            let edgeBuffer = { (count: Int) in run.half == nil ? try run.buffer(count) : try run.halfBuffer(count) }
            // The factored first conv never forms layer 0's edge weights, nor a fused conv its layer's.
            edgeWeights = try layers.enumerated().map { t, layer in
                let formed = (t == 0 && model.passesFactorFirstLayer) || fusedConvLayers.contains(t)
                return try edgeBuffer(formed ? 1 : e * layer.weightCount)
            }
            weightGradient = try edgeBuffer(e * maxWeights)
        }
        messages = try layers.map { try feature(n * $0.messageWidth) }
        features = try layers.map { try run.buffer(n * $0.outputWidth) }
        readoutPre = try model.readouts.map { readout in
            try readout.hidden.map { _ in try run.buffer(n * readout.first.outputWidth) }
        }
        // The fused MLP forward writes the last layer's input into `splitActivation` (3xTF32), `halfEdgeInput`
        // (16-bit policies), `mlpActivation` otherwise, and nowhere with edge chunks.
        let plainLastInput = model.edgeChunk == nil && run.half == nil
            && layers.contains { $0.radialMLP.last?.splitWeight == nil }
        let factoredInput = model.passesFactorFirstLayer && model.edgeChunk == nil  // with chunks: `chunkInput`
        mlpActivation = !fused || plainLastInput || factoredInput ? try run.buffer(e * maxHidden) : nil
        factored = try model.factoredConv.flatMap { fc in
            try model.passesFactorFirstLayer
                ? FactoredConvKernels.Buffers(plan: fc.plan, nodes: n, elementRanges: layout.elementRanges, runner: run)
                : nil
        }
        let splitInFull = model.edgeChunk == nil && layers.contains { $0.radialMLP.last?.splitWeight != nil }
        splitActivation = splitInFull ? try run.buffer(3 * e * maxHidden) : nil
        if run.half != nil {
            halfEdgeInput = try run.halfBuffer(e * max(maxHidden, model.kernels.source.besselCount))
            let linears = [model.embedding] + layers.flatMap { [$0.linearUp, $0.linear, $0.productLinear] }
                + model.readouts.flatMap { [$0.first] + ($0.hidden.map { [$0.second] } ?? []) }
            let widths = linears.flatMap { [$0.inputWidth, $0.outputWidth] }
                + layers.flatMap { [$0.skip.gemms.inputWidth, $0.skip.gemms.outputWidth] }
            halfScratch = try run.halfBuffer(n * (widths.max() ?? 1))
        } else {
            (halfEdgeInput, halfScratch) = (nil, nil)
        }
        mid = try feature(n * widest(\.midWidth))
        preMessage = try feature(n * widest(\.messageWidth))
        product = try feature(n * widest(\.productWidth))
        let readoutWidth = model.readouts.map(\.first.outputWidth).max() ?? 1
        readoutHidden = try run.buffer(n * readoutWidth)
        accumulated = try run.buffer(n)
        nodeEnergies = try run.buffer(n)

        featureGradients = try layers.map { try run.buffer(n * $0.outputWidth) }
        productGradient = try run.buffer(n * widest(\.productWidth))
        messageGradient = try run.buffer(n * widest(\.messageWidth))
        preMessageGradient = try run.buffer(n * widest(\.messageWidth))
        midGradient = try run.buffer(n * widest(\.midWidth))
        upGradient = try run.buffer(n * widest(\.upWidth))
        let mlpRows = chunkPreActivations.isEmpty ? e : receiverChunks.map(\.chunk.positions.count).max() ?? 1
        let mlpGradient = try run.buffer(mlpRows * maxHidden)
        mlpGradients = [mlpGradient, fused ? mlpGradient : try run.buffer(e * maxHidden)]
        let shSlices = fusedConvLayers.compactMap { layers[$0].fusedConv?.slices }.max() ?? 1
        layerSHGradient = try run.buffer(shSlices * e * model.kernels.source.shCount)
        shGradient = try run.buffer(e * model.kernels.source.shCount)
        radialGradient = try run.buffer(e * model.kernels.source.besselCount)
        energySeed = try run.buffer(n)
        readoutGradient = try run.buffer(n * readoutWidth)
        vectorGradients = try doubles(3 * e)
        forces = try doubles(3 * n)
        let halfLinears = layers.flatMap { [$0.linearUp.gemms, $0.linear.gemms] + ($0.residual ? [] : [$0.skip.gemms]) }
        halfFeatureScratch = !halfFeatureStorage || halfLinears.allSatisfy(\.writesEachOutputOnce)
            ? nil : try run.buffer(n * (halfLinears.map(\.outputWidth).max() ?? 1))
        // Last, and only where it leaves a reserve free (float64 at 24000 water atoms: 8.3 GiB of a nearly full
        // H100): otherwise d/dx runs the sender-CSR kernel that gathers d/d(conv output) per edge.
        let edgeTerms = e * widest(\.upWidth)
        // A fused conv's backward always writes the terms (its own edge weights left that room free).
        edgeUpGradient = try !fusedConvLayers.isEmpty || model.edgeChunk == nil && layers.count > 1
            && Self.leavesReserve(edgeTerms * (halfFeatureStorage ? 2 : run.elementSize), context)
            ? feature(edgeTerms) : nil
        let stored = up + messages + [mid, preMessage, product] + [edgeUpGradient].compactMap { $0 }
        halfFeatures = halfFeatureStorage ? Set(stored.map(\.address)) : []
    }

    /// Device memory left free after an optional buffer (the per-edge d/dx terms) is allocated: CUDA-graph capture,
    /// cuBLAS, other work.
    static let memoryReserve = 1 << 30

    /// Whether `bytes` more still leave ``memoryReserve`` free on `context`'s device.
    static func leavesReserve(_ bytes: Int, _ context: CUDAContext) throws -> Bool {
        try context.memoryInfo().free >= bytes + memoryReserve
    }
}
