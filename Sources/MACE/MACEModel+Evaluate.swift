// SwiftMACE, MIT licence.
// Evaluation: energies, forces (−∂E/∂positions) and, on request, virials and stress by the symmetric-strain
// displacement (MACE.md §8.4–8.5), all by reverse-mode autodiff of one forward pass.

import Atoms
import Tensors

extension MACEModel {
    /// Energies, forces and optionally stress of each configuration, evaluated as one batch.
    /// - Parameters:
    ///   - configurations: structures with positions in Å; periodic ones need a cell.
    ///   - computeStress: also compute virials (all structures) and stress (periodic structures).
    /// - Returns: one output per configuration, in order.
    /// - Throws: `ModelError.unknownElement` for an element the model lacks, `.invalidStructure` for a structure whose
    ///   neighbour list cannot be built.
    public func evaluate(_ configurations: [Configuration], computeStress: Bool = false) throws -> [MACEOutput] {
        let graph = try profiled("neighbour list") {
            try AtomicGraph(configurations: configurations, atomicNumbers: config.atomicNumbers, cutoff: config.rMax)
        }
        return try evaluate(graph, computeStress: computeStress)
    }

    /// Energies, forces and optionally stress of each graph of a batch.
    /// - Returns: one output per graph.
    public func evaluate(_ graph: AtomicGraph, computeStress: Bool = false) throws -> [MACEOutput] {
        try withGradient {
            let positions = try Tensor(graph.positions.flatMap { [$0.x, $0.y, $0.z] }, shape: [graph.numNodes, 3])
                .requiringGrad()
            let strain = computeStress ? try Tensor.zeros([graph.numGraphs, 3, 3]).requiringGrad() : nil
            let pass = try forward(graph, positions: positions, strain: strain)
            let total = try pass.graphEnergies.converted(to: .float64).sum()
            let gradients = try profiled("backward") { try grad(of: total, withRespectTo: [positions] + (strain.map { [$0] } ?? []), allowUnused: true) }
            let energies = pass.graphEnergies.toArray(), nodeEnergies = pass.nodeEnergies.toArray()
            let positionGradient = gradients[0].toArray()
            let strainGradient = computeStress ? gradients[1].toArray() : []
            var outputs = MACEOutput.perGraph(
                graph, energies: energies, nodeEnergies: nodeEnergies, forces: positionGradient.map { -$0 })
            for g in outputs.indices where computeStress {
                let dE = Matrix3(rowMajor: Array(strainGradient[(9 * g)..<(9 * g + 9)]))
                outputs[g].virials = -1 * dE
                if graph.periodic[g] { outputs[g].stress = (1 / abs(graph.cells[g].determinant)) * dE }
            }
            return outputs
        }
    }
}
