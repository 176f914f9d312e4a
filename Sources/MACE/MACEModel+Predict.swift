// SwiftMACE, MIT licence.
// Differentiable predictions for training: energies, forces and stress of a batch as tensors whose graph reaches the
// model parameters (forces and stress by autodiff with createGraph, as mace's `training=True` forward).

import Atoms
import Tensors

/// Model outputs of one batch as tensors (float64 positions, model-dtype energies).
public struct MACEPredictions {
    /// Energy per graph, eV, `[G]`.
    public var energies: Tensor
    /// E0 + interaction energy per node, eV, `[N]`.
    public var nodeEnergies: Tensor
    /// −∂E/∂positions, eV/Å, `[N, 3]`, when forces were requested.
    public var forces: Tensor?
    /// −∂E/∂ε, eV, `[G, 3, 3]`, when stress was requested.
    public var virials: Tensor?
    /// (∂E/∂ε)/|det cell|, eV/Å³, ASE sign, `[G, 3, 3]`, when stress was requested; zero for a graph without a cell.
    public var stress: Tensor?
}

extension MACEModel {
    /// Runs the model on `graph` with gradients recorded.
    /// - Parameters:
    ///   - computeForces: forces by differentiating the energy with respect to positions.
    ///   - computeStress: virials and stress by the symmetric-strain displacement (MACE.md §8.5).
    ///   - createGraph: record the derivative computation too, so a loss on forces or stress can be differentiated
    ///     again with respect to the parameters (training); false for validation.
    /// - Throws: what the forward pass throws (index checks on the graph).
    public func predict(
        _ graph: AtomicGraph, computeForces: Bool = true, computeStress: Bool = false, createGraph: Bool = true
    ) throws -> MACEPredictions {
        try withGradient {
            let positions = try Tensor(graph.positions.flatMap { [$0.x, $0.y, $0.z] }, shape: [graph.numNodes, 3])
                .requiringGrad()
            let strain = computeStress ? try Tensor.zeros([graph.numGraphs, 3, 3]).requiringGrad() : nil
            let pass = try forward(graph, positions: positions, strain: strain)
            var predictions = MACEPredictions(energies: pass.graphEnergies, nodeEnergies: pass.nodeEnergies)
            let inputs = (computeForces ? [positions] : []) + (strain.map { [$0] } ?? [])
            guard !inputs.isEmpty else { return predictions }
            let total = try pass.graphEnergies.converted(to: .float64).sum()
            let gradients = try grad(of: total, withRespectTo: inputs, createGraph: createGraph, allowUnused: true)
            if computeForces { predictions.forces = try (-gradients[0]).converted(to: dtype) }
            if let strainGradient = gradients.last, computeStress {
                let inverseVolumes = graph.cells.map { cell in
                    let volume = abs(cell.determinant)
                    return volume > 0 ? 1 / volume : 0
                }
                let scale = try Tensor(inverseVolumes, shape: [graph.numGraphs, 1, 1])
                predictions.virials = try (-strainGradient).converted(to: dtype)
                predictions.stress = try (strainGradient * scale).converted(to: dtype)
            }
            return predictions
        }
    }
}
