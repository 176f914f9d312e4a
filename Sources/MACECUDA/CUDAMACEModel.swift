// SwiftMACE, MIT licence.
// CUDAMACEModel: a loaded MACEModel on the GPU: weights uploaded once, kernels generated and compiled once, and
// energy + forces of batch graphs by an explicit forward and a hand-written reverse pass w.r.t. positions.

import Atoms
import CUDA
import Equivariance
import EquivarianceCUDA
import MACE

/// A MACE model evaluated on one CUDA device under a ``PrecisionPolicy`` (float64, float32, TF32, or 16-bit GEMM
/// operands), on one stream.
///
/// ```swift
/// let gpu = try CUDAMACEModel(model: try MACEModel(contentsOf: url, dtype: .float32), context: .shared())
/// let outputs = try gpu.evaluate(configurations)   // energies, node energies, forces
/// ```
/// Supports MACE and ScaleShiftMACE with residual and plain interaction blocks, max_ell ≤ 3, correlation ≤ 3, any
/// number of layers, `apply_cutoff`, silu/tanh activations. Virials and stress come from the edge-vector gradients
/// (summed on the host). Not thread-safe: one evaluation at a time.
public final class CUDAMACEModel: @unchecked Sendable {
    /// The CPU model it was built from.
    public let model: MACEModel
    public let context: CUDAContext
    let stream: CUDAStream
    let runner: GEMMRunner
    let kernels: ModelKernels
    let scalar: KernelScalar
    let elementCount: Int
    let radialParameters: ModelKernels.Radial
    let embedding: DeviceLinear
    let layers: [DeviceLayer]
    let readouts: [DeviceReadout]
    let atomicEnergies: DeviceBuffer
    let energyScale: Double
    let energyShift: Double
    /// How the model computes (its dtype is the policy's).
    public let precision: PrecisionPolicy
    /// Edges per chunk of the radial MLP's last layer and the conv (nil: all edges at once). With chunks the edge
    /// weights `[E, weight_numel]` are never held whole: they are computed per chunk of receivers in the forward,
    /// again per chunk in the backward, and per chunk of senders for the sender-side gradient (more GEMM work,
    /// far less memory).
    public let edgeChunk: Int?
    /// Whether repeated passes on one graph replay a captured CUDA graph (one launch instead of hundreds); the first
    /// pass on a graph always runs directly.
    public var capturesGraphs = true
    /// The first layer's conv evaluated per receiver and element (``FactoredConvPlan``) where the model allows it.
    let factoredConv: FactoredConvKernels?
    /// Whether passes (energy + forces, and the training pass after them) run ``factoredConv`` (default true);
    /// false runs the first layer on per-edge weights like the others (for comparisons).
    public var factorsFirstLayer = true
    /// Whether the model allows the factored first conv at all (``FactoredConvPlan``).
    public var factorsFirstLayerApplies: Bool { factoredConv != nil }
    /// When passes run the convs that form their per-edge weights on tensor cores (``DeviceLayer/fusedConv``,
    /// 16-bit policies) where a layer has them.
    public enum ConvWeightFusion: Sendable {
        /// On graphs large enough to fill the GPU with the fused kernels' blocks (the default).
        case onLargeGraphs
        /// On every graph (self-tests on small structures).
        case always
        /// Never: the last radial layer's GEMM writes the weights and the conv reads them (for comparisons).
        case never
    }
    public var convWeightFusion = ConvWeightFusion.onLargeGraphs
    /// Whether some layer has a conv that forms its own per-edge weights.
    public var fusesConvWeightsApplies: Bool { layers.contains { $0.fusedConv != nil } }
    /// The workspace of the last graph evaluated, reused when the next graph has the same layout.
    var cached: Workspace?
    /// The training pass's buffers for the last graph trained on, and the weight gradients
    /// (``parameterGradients(_:energyCotangents:forceCotangents:)``), allocated on first use.
    var trainingCache: TrainingWorkspace?
    var parameterGradientBuffers: ParameterGradientBuffers?

    /// Uploads `model`'s weights and compiles its kernels (NVRTC, through the on-disk kernel cache).
    /// - Parameters:
    ///   - precision: the policy (its dtype must be the model's); nil: `float64` or `float32` by the model's dtype.
    ///   - edgeChunk: edges per chunk (see ``edgeChunk``), or nil.
    /// - Throws: `CUDAError` when the device fails or the model uses something the GPU path lacks (max_ell > 3,
    ///   `apply_cutoff` false, an activation other than silu/tanh), for a policy whose dtype is not the model's, a
    ///   bad `edgeChunk`, edge chunks with a 16-bit policy, or a 16-bit policy for a radial MLP whose last layer
    ///   has an activation.
    public init(
        model: MACEModel, context: CUDAContext, precision: PrecisionPolicy? = nil, edgeChunk: Int? = nil
    ) throws {
        let description = model.layers
        guard description.maxEll <= 3 else {
            throw CUDAError.invalidArgument("the CUDA model supports max_ell ≤ 3; this model has \(description.maxEll)")
        }
        guard description.applyCutoff else {
            throw CUDAError.invalidArgument("the CUDA model needs apply_cutoff = true (envelope on the radial features)")
        }
        self.model = model
        self.context = context
        let precision = precision ?? (model.dtype == .float32 ? .float32 : .float64)
        guard precision.dtype == model.dtype else {
            throw CUDAError.invalidArgument(
                "precision \(precision.rawValue) runs a \(precision.dtype) model; this model was loaded as \(model.dtype)")
        }
        self.precision = precision
        if precision.halfStorage != nil {
            guard description.interactions.allSatisfy({ $0.radialMLP.last?.activation == nil }) else {
                throw CUDAError.invalidArgument(
                    "precision \(precision.rawValue) needs a radial MLP whose last layer has no activation")
            }
        }
        if let edgeChunk {
            guard precision.halfStorage == nil else {
                throw CUDAError.invalidArgument(
                    "edge chunks run with precision float64, float32 or tf32; got \(precision.rawValue)")
            }
            guard edgeChunk >= 1 else {
                throw CUDAError.invalidArgument("edge chunks of \(edgeChunk) edges; expected at least 1")
            }
            guard description.interactions.allSatisfy({ $0.radialMLP.last?.activation == nil }) else {
                throw CUDAError.invalidArgument("edge chunks need a radial MLP whose last layer has no activation")
            }
        }
        self.edgeChunk = edgeChunk
        scalar = model.dtype == .float32 ? .float32 : .float64
        stream = try CUDAStream(context: context)
        let runner = GEMMRunner(
            context: context, cublas: try CuBLAS(context: context), stream: stream, precision: precision)
        self.runner = runner
        let cache = try KernelCache(context: context)
        // The fused radial-MLP kernels replace the hidden layers' GEMMs and activations except under tf32 (whose
        // point is TF32 GEMMs everywhere) and float64 (their per-edge IEEE float64 kernel took 24000 water atoms from
        // 108 to 152 ms on the H100; cuBLAS DGEMMs stay faster there).
        let shape = RadialMLPShape(description.interactions.map { interaction in
            interaction.radialMLP.map { (inputs: $0.inputs, outputs: $0.outputs, activation: $0.activation) }
        })
        let fusedShape = precision == .tf32 || precision == .float64 || shape?.inputs != description.besselWeights.count ? nil : shape
        kernels = try ModelKernels(
            context: context, cache: cache,
            source: ModelKernelSource(
                maxEll: description.maxEll, besselCount: description.besselWeights.count,
                envelopeExponent: description.envelopeExponent, mlp: fusedShape),
            scalar: scalar, singleTF32MLP: precision.halfStorage != nil)
        elementCount = description.numElements
        radialParameters = ModelKernels.Radial(
            besselWeights: try runner.upload(description.besselWeights), prefactor: description.besselPrefactor,
            rMax: description.rMax)
        embedding = try DeviceLinear(description.embedding, runner: runner)
        layers = try zip(description.interactions, description.products).enumerated().map { index, pair in
            try DeviceLayer(
                interaction: pair.0, product: pair.1, elementCount: description.numElements, index: index,
                runner: runner, cache: cache, fusedMLP: fusedShape != nil)
        }
        readouts = try description.readouts.enumerated().map { index, readout in
            guard (0..<description.interactions.count).contains(readout.featureLayer) else {
                throw CUDAError.invalidArgument("readouts.\(index) reads layer \(readout.featureLayer), which does not exist")
            }
            var hidden: (activation: String, scale: Double, second: DeviceLinear)?
            if let (activation, scale, second) = readout.hidden {
                guard let activation, ["silu", "tanh"].contains(activation) else {
                    throw CUDAError.invalidArgument(
                        "readouts.\(index): activation '\(activation ?? "none")' is not supported on the GPU")
                }
                hidden = (activation, scale, try DeviceLinear(second, runner: runner))
            }
            return DeviceReadout(
                featureLayer: readout.featureLayer, first: try DeviceLinear(readout.first, runner: runner), hidden: hidden)
        }
        factoredConv = try Self.factoredConv(
            layers.first, description.interactions.first, elements: description.numElements, runner: runner,
            cache: cache)
        atomicEnergies = try runner.upload(description.atomicEnergies)
        energyScale = description.scale
        energyShift = description.shift
        try stream.synchronize()
    }

    /// The workspace for `graph` (the cached one when the graph has the same layout).
    /// Whether a new workspace runs the factored first conv.
    var passesFactorFirstLayer: Bool { factoredConv != nil && factorsFirstLayer }

    /// The layers whose conv a new workspace for a graph of `nodes` nodes runs with per-edge weights formed in the
    /// kernel: those with ``DeviceLayer/fusedConv``, without edge chunks, but a factored first layer, where the
    /// graph is large enough to fill the GPU with its blocks (or on every graph: ``convWeightFusion``).
    public func fusedConvLayers(nodes: Int) -> Set<Int> {
        guard convWeightFusion != .never, edgeChunk == nil else { return [] }
        return Set(layers.indices.filter { t in
            guard let fused = layers[t].fusedConv, !(t == 0 && passesFactorFirstLayer) else { return false }
            return convWeightFusion == .always || fused.fillsDevice(rows: nodes)
        })
    }

    func workspace(for graph: AtomicGraph) throws -> Workspace {
        let layout = try GraphLayout(graph: graph, elementCount: elementCount)
        let workspace: Workspace
        if let cached, cached.layout == layout, (cached.factored != nil) == passesFactorFirstLayer,
            cached.fusedConvLayers == fusedConvLayers(nodes: layout.nodeCount)
        {
            workspace = cached
        } else {
            cached = nil
            workspace = try Workspace(layout: layout, model: self)
            cached = workspace
        }
        return workspace
    }

    /// Energies, node energies and forces of each graph of a batch; with `computeStress`, virials (every graph) and
    /// stress (graphs periodic in all directions), as the CPU model defines them (MACE.md §8.5).
    public func evaluate(_ graph: AtomicGraph, computeStress: Bool = false) throws -> [MACEOutput] {
        try evaluate(graph, on: try workspace(for: graph), computeStress: computeStress)
    }

    /// Uploads `graph`'s positions into its workspace, runs a pass and reads the results back.
    func evaluate(_ graph: AtomicGraph, on workspace: Workspace, computeStress: Bool = false) throws -> [MACEOutput] {
        try uploadPositions(graph, workspace)
        try queuePass(workspace)
        return try readOutputs(graph, workspace, computeStress: computeStress)
    }

    /// Queues `graph`'s positions, in device row order, into its workspace (through its pinned host rows, once the
    /// previous copy has left them).
    func uploadPositions(_ graph: AtomicGraph, _ workspace: Workspace) throws {
        let n = graph.numNodes
        try workspace.positionsSent.synchronize()
        workspace.layout.writeDeviceRows(graph.positions, into: workspace.hostPositions.elements(Double.self, count: 3 * n))
        try workspace.positions.copy(from: workspace.hostPositions, byteCount: 3 * n * 8, stream: stream)
        try workspace.positionsSent.record(on: stream)
    }

    /// Node energies and forces of the queued pass (waiting for it), mapped back to graph order, and the stress
    /// when asked for.
    func readOutputs(_ graph: AtomicGraph, _ workspace: Workspace, computeStress: Bool) throws -> [MACEOutput] {
        let (layout, n) = (workspace.layout, graph.numNodes)
        try workspace.nodeEnergies.copy(to: workspace.hostEnergies, byteCount: n * runner.elementSize, stream: stream)
        try workspace.forces.copy(to: workspace.hostForces, byteCount: 3 * n * 8, stream: stream)
        try stream.synchronize()
        let energies = switch runner.scalar {
        case .float32: layout.toGraphOrder(UnsafeBufferPointer(workspace.hostEnergies.elements(Float.self, count: n)), width: 1) { Double($0) }
        case .float64: layout.toGraphOrder(UnsafeBufferPointer(workspace.hostEnergies.elements(Double.self, count: n)), width: 1) { $0 }
        }
        let forces = layout.toGraphOrder(
            UnsafeBufferPointer(workspace.hostForces.elements(Double.self, count: 3 * n)), width: 3) { $0 }
        var outputs = MACEOutput.perGraph(graph, nodeEnergies: energies, forces: forces)
        if computeStress {
            let strainGradients = try strainGradients(graph, workspace)
            for g in outputs.indices {
                outputs[g].virials = -1 * strainGradients[g]
                if graph.periodic[g] { outputs[g].stress = (1 / abs(graph.cells[g].determinant)) * strainGradients[g] }
            }
        }
        return outputs
    }

    /// dE/dε per graph for a symmetric strain ε (positions and cell → (1 + ε)): `(G + Gᵀ)/2` with
    /// `G = Σ_edges v ⊗ dE/dv`, summed in float64 on the host from the pass's edge vectors and their gradients.
    private func strainGradients(_ graph: AtomicGraph, _ workspace: Workspace) throws -> [Matrix3] {
        let count = 3 * workspace.edges
        let vectors = try workspace.vectors.toArray(of: Double.self, count: count, stream: stream)
        let gradients = try workspace.vectorGradients.toArray(of: Double.self, count: count, stream: stream)
        var sums = [[Double]](repeating: [Double](repeating: 0, count: 9), count: graph.numGraphs)
        for (row, edge) in workspace.layout.edgeOrder.enumerated() {
            let g = Int(graph.edgeGraphs[edge])
            for j in 0..<3 {
                for k in 0..<3 { sums[g][3 * j + k] += vectors[3 * row + j] * gradients[3 * row + k] }
            }
        }
        return sums.map { s in
            var symmetric = [Double](repeating: 0, count: 9)
            for j in 0..<3 {
                for k in 0..<3 { symmetric[3 * j + k] = (s[3 * j + k] + s[3 * k + j]) / 2 }
            }
            return Matrix3(rowMajor: symmetric)
        }
    }

    /// Queues a pass: directly the first time on a workspace, then as a replay of its captured CUDA graph (when
    /// `capturesGraphs`; a capture that fails leaves direct launches in place, its error in the workspace).
    func queuePass(_ workspace: Workspace) throws {
        defer { workspace.passes += 1 }
        workspace.holdsPassValues = false
        if capturesGraphs && workspace.passes > 0 && workspace.captured == nil && workspace.captureError == nil {
            do {
                workspace.captured = try CUDAGraph(capturing: stream) { try pass(workspace, timer: nil) }
            } catch {
                workspace.captureError = "\(error)"
            }
        }
        if capturesGraphs, let captured = workspace.captured {
            try captured.launch(on: stream)
        } else {
            try pass(workspace, timer: nil)
        }
        workspace.holdsPassValues = true
    }

    /// Builds the batch graph (neighbour lists with the model's r_max) and evaluates it.
    public func evaluate(_ configurations: [Configuration], computeStress: Bool = false) throws -> [MACEOutput] {
        try evaluate(
            AtomicGraph(configurations: configurations, atomicNumbers: model.config.atomicNumbers, cutoff: model.config.rMax),
            computeStress: computeStress)
    }
}
