// SwiftMACE, MIT licence.
// TrainingWorkspace: the buffers of one training pass over one graph layout, beside the energy + forces workspace.
// Node features are stacked `[values; tangents]` (rows 0..<R the values, R..<2R their tangents along the position
// direction), node adjoints `[primal adjoints; tangent adjoints]`, so a linear is one GEMM over 2R rows. Per-edge
// values (the radial MLP's pre-activations, the conv weights) are the energy + forces pass's, kept in its workspace:
// only their tangents live here, so the pass adds about a quarter of that workspace's edge memory.

import CUDA
import EquivarianceCUDA

/// Device buffers of ``CUDAMACEModel/parameterGradients(_:energyCotangents:forceCotangents:)`` for one layout.
final class TrainingWorkspace {
    let layout: GraphLayout
    let nodes: Int
    let edges: Int

    // Seeds, per pass.
    /// f64 `[N, 3]`: the position tangent δ = −∂L/∂F (device order).
    let delta: DeviceBuffer
    /// T `[2N]`: `[scale · c_graph(i); scale]`, the node energies' primal and tangent adjoints.
    let seed: DeviceBuffer

    // Dual forward.
    let oneHot: DeviceBuffer  // T [2N, n_el]: the one-hot rows, then zeros (the embedding has no tangent)
    let shTangent: DeviceBuffer  // T [E, NSH]
    let radial: DeviceBuffer  // T [2E, NB]
    let embedding: DeviceBuffer  // T [2N, width]
    /// Per layer: per radial-MLP layer with an activation, the pre-activations' tangents `[E, h]` (their values are
    /// the energy + forces workspace's `preActivations`).
    let mlpTangents: [[DeviceBuffer?]]
    /// Per layer: the conv weights' tangents `[E, numel]`, in the reverse their tangent adjoints (the primal adjoints
    /// overwrite the workspace's `edgeWeights`); nil for the one layer whose tangents take the workspace's
    /// `weightGradient`, free once the energy + forces pass is done.
    let ownWeightTangents: [DeviceBuffer?]
    /// A radial-MLP layer's input `[x; ẋ]` `[2E, widest hidden]`, recomputed from the kept pre-activations.
    let mlpInput: DeviceBuffer
    let up: [DeviceBuffer]
    let mid: [DeviceBuffer]
    let preMessages: [DeviceBuffer?]  // plain (non-residual) layers: the linear's output before the skip TP
    let messages: [DeviceBuffer]
    let products: [DeviceBuffer]
    let features: [DeviceBuffer]
    let readoutPre: [DeviceBuffer?]
    let readoutHidden: [DeviceBuffer?]

    // Reverse.
    let featureGradients: [DeviceBuffer]
    let embeddingGradient: DeviceBuffer
    let readoutGradient: DeviceBuffer
    let productGradient: DeviceBuffer
    let messageGradient: DeviceBuffer
    let preMessageGradient: DeviceBuffer
    let midGradient: DeviceBuffer
    let upGradient: DeviceBuffer
    let mlpGradients: [DeviceBuffer]  // two T [2E, widest hidden layer]: stacked input adjoints
    /// The symmetric contraction's weight gradient per node `[N, columns, C]`, and ones to sum it per element.
    let contractionNodeGradient: DeviceBuffer
    let ones: DeviceBuffer
    /// T `[2E, widest x1]`: each edge's conv adjoint terms of its sender's features, primal then tangent, summed over
    /// the sender CSR (nil where it would not leave ``Workspace/memoryReserve`` free: the sender-CSR kernel that
    /// gathers the conv outputs' adjoints per edge runs instead).
    let edgeFeatureAdjoints: DeviceBuffer?
    /// float32: the split-K partials of the radial MLP's 3xTF32 weight gradient (``WeightGradientKernel``), f64.
    let weightGradientPartials: DeviceBuffer?
    /// The factored first conv's training buffers, where the energy + forces pass ran it (layer 0 then has no
    /// conv-weight tangents).
    let factored: FactoredConvKernels.TrainingBuffers?

    init(layout: GraphLayout, model: CUDAMACEModel) throws {
        let run = model.runner
        let (n, e) = (layout.nodeCount, layout.edgeCount)
        let layers = model.layers
        self.layout = layout
        nodes = n
        edges = e
        delta = try DeviceBuffer(context: run.context, byteCount: max(3 * n, 1) * 8, stream: run.stream)
        seed = try run.buffer(2 * n)
        oneHot = try run.upload(layout.oneHot(elementCount: model.elementCount, rows: 2 * n))
        shTangent = try run.buffer(e * model.kernels.source.shCount)
        radial = try run.buffer(2 * e * model.kernels.source.besselCount)
        embedding = try run.buffer(2 * n * model.embedding.outputWidth)
        mlpTangents = try layers.map { layer in
            try layer.radialMLP.map { $0.activation == nil ? nil : try run.buffer(e * $0.outputs) }
        }
        let shared = Self.weightTangentLayer(model)
        let factoredPass = model.passesFactorFirstLayer
        ownWeightTangents = try layers.indices.map {
            $0 == shared || ($0 == 0 && factoredPass) ? nil : try run.buffer(e * layers[$0].weightCount)
        }
        factored = try model.factoredConv.flatMap { fc in
            try factoredPass ? FactoredConvKernels.TrainingBuffers(plan: fc.plan, nodes: n, edges: e, runner: run) : nil
        }
        let hidden = layers.flatMap { $0.radialMLP.dropLast().map(\.outputs) }.max() ?? 1
        mlpInput = try run.buffer(2 * e * hidden)
        up = try layers.map { try run.buffer(2 * n * $0.upWidth) }
        mid = try layers.map { try run.buffer(2 * n * $0.midWidth) }
        preMessages = try layers.map { $0.residual ? nil : try run.buffer(2 * n * $0.messageWidth) }
        messages = try layers.map { try run.buffer(2 * n * $0.messageWidth) }
        products = try layers.map { try run.buffer(2 * n * $0.productWidth) }
        features = try layers.map { try run.buffer(2 * n * $0.outputWidth) }
        func perHiddenReadout() throws -> [DeviceBuffer?] {
            try model.readouts.map { r in try r.hidden.map { _ in try run.buffer(2 * n * r.first.outputWidth) } }
        }
        readoutPre = try perHiddenReadout()
        readoutHidden = try perHiddenReadout()

        func widest(_ width: (DeviceLayer) -> Int) -> Int { layers.map(width).max() ?? 1 }
        featureGradients = try layers.map { try run.buffer(2 * n * $0.outputWidth) }
        embeddingGradient = try run.buffer(2 * n * model.embedding.outputWidth)
        readoutGradient = try run.buffer(2 * n * (model.readouts.map(\.first.outputWidth).max() ?? 1))
        productGradient = try run.buffer(2 * n * widest(\.productWidth))
        messageGradient = try run.buffer(2 * n * widest(\.messageWidth))
        preMessageGradient = try run.buffer(2 * n * widest(\.messageWidth))
        midGradient = try run.buffer(2 * n * widest(\.midWidth))
        upGradient = try run.buffer(2 * n * widest(\.upWidth))
        // The input gradients of the layers after the first (the first's, of the radial basis, is not needed).
        let mlpWidth = layers.flatMap { $0.radialMLP.dropFirst().map(\.inputs) }.max() ?? 1
        mlpGradients = try (0..<2).map { _ in try run.buffer(2 * e * mlpWidth) }
        let columns = layers.map { $0.contraction.source.plan.weightColumns.count * $0.contraction.source.plan.channels }.max() ?? 1
        contractionNodeGradient = try run.buffer(n * columns)
        ones = try run.upload([Double](repeating: 1, count: max(n, 1)))
        let partials = WeightGradientKernel.partialCount(multiprocessors: run.context.device.multiprocessorCount)
        weightGradientPartials = model.precision == .float32
            ? try DeviceBuffer(context: run.context, byteCount: partials * 8, stream: run.stream) : nil
        let edgeTerms = 2 * e * widest(\.upWidth)
        edgeFeatureAdjoints = try Workspace.leavesReserve(edgeTerms * run.elementSize, run.context)
            ? run.buffer(edgeTerms) : nil
    }

    /// The layer whose conv-weight tangents take the energy + forces workspace's `weightGradient` (sized for the
    /// widest layer): the first of the widest.
    static func weightTangentLayer(_ model: CUDAMACEModel) -> Int? {
        let widest = model.layers.map(\.weightCount).max()
        return model.layers.firstIndex { $0.weightCount == widest }
    }

    /// The address of layer `index`'s conv-weight tangents (and in the reverse their adjoints).
    func weightTangent(_ index: Int, _ w: Workspace) -> UInt64 {
        (ownWeightTangents[index] ?? w.weightGradient).address
    }
}
