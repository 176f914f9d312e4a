// SwiftMACE, MIT licence.
// CPUGradientEvaluator: ExternalGradientEvaluator on the CPU MACE model with Tensors' autodiff (forces by
// createGraph, parameter gradients by the double backward): the reference an external evaluator must match.

import MACE
import Tensors

/// The external-evaluator protocol computed by the CPU model: training through it equals the plain CPU trainer up to
/// round-off, which tests the external path without a GPU.
public final class CPUGradientEvaluator: ExternalGradientEvaluator {
    /// The model with its parameters as leaves requiring grad.
    private var model: MACEModel
    private var leaves: [Tensor]
    /// The last `evaluate`: its graph and the recorded energies `[G]` and forces `[N, 3]`.
    private var pass: (graph: AtomicGraph, energies: Tensor, forces: Tensor)?

    public init(model: MACEModel) {
        self.model = model
        leaves = []
        setTrackedParameters(model)
    }

    public func evaluate(_ graph: AtomicGraph) throws -> [MACEOutput] {
        let predictions = try model.predict(graph, computeForces: true, createGraph: true)
        guard let forces = predictions.forces else { preconditionFailure("predict(computeForces: true) made no forces") }
        pass = (graph, predictions.energies, forces)
        return MACEOutput.perGraph(
            graph, energies: predictions.energies.toArray(), nodeEnergies: predictions.nodeEnergies.toArray(),
            forces: forces.toArray())
    }

    /// - Throws: `TrainingError.invalidData` when `graph` is not the one last evaluated or the cotangent counts
    ///   are not its graph and atom counts.
    public func parameterGradients(
        _ graph: AtomicGraph, energyCotangents: [Double], forceCotangents: [SIMD3<Double>]
    ) throws -> [[Double]] {
        guard let pass, pass.graph.positions == graph.positions, pass.graph.senders == graph.senders,
              pass.graph.ptr == graph.ptr
        else { throw TrainingError.invalidData("CPUGradientEvaluator.parameterGradients: evaluate this graph first") }
        guard energyCotangents.count == graph.numGraphs, forceCotangents.count == graph.numNodes else {
            throw TrainingError.invalidData(
                "CPUGradientEvaluator.parameterGradients: \(energyCotangents.count) energy and \(forceCotangents.count) "
                    + "force cotangents for \(graph.numGraphs) graphs and \(graph.numNodes) atoms")
        }
        return try MACEModel.functionalGradient(
            energies: pass.energies, forces: pass.forces, leaves: leaves, energyCotangents: energyCotangents,
            forceCotangents: forceCotangents)
    }

    public func setParameters(_ model: MACEModel) throws { setTrackedParameters(model) }

    private func setTrackedParameters(_ source: MACEModel) {
        (model, leaves) = source.trackingParameters()
        pass = nil
    }
}
