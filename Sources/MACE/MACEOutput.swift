// SwiftMACE, MIT licence.
// MACEOutput: what a MACE evaluation returns for one structure.

import Atoms

/// Energy, forces and (optionally) virials and stress of one structure.
public struct MACEOutput: Sendable, Hashable {
    /// Total energy, eV: Σ E0 + interaction energy (MACE.md §8.3).
    public var energy: Double
    /// Per-atom energies E0_i + node interaction energy, eV, `[numAtoms]`.
    public var nodeEnergies: [Double]
    /// Forces −∂E/∂positions, eV/Å, `[numAtoms]`.
    public var forces: [SIMD3<Double>]
    /// Virials −∂E/∂ε (symmetric strain ε), eV; nil unless stress was requested.
    public var virials: Matrix3?
    /// Stress (∂E/∂ε)/|det cell|, eV/Å³, ASE's sign; nil unless requested and the structure is periodic in all
    /// directions with a cell.
    public var stress: Matrix3?

    /// An output without virials or stress (other backends, e.g. the CUDA model, build these).
    public init(energy: Double, nodeEnergies: [Double], forces: [SIMD3<Double>]) {
        self.energy = energy
        self.nodeEnergies = nodeEnergies
        self.forces = forces
    }

    /// One output per graph of a batch, from its node energies `[N]` and forces `[N, 3]` flat (graph node order);
    /// each graph's energy is the sum of its node energies when `energies` (one per graph) is nil.
    public static func perGraph(
        _ graph: AtomicGraph, energies: [Double]? = nil, nodeEnergies: [Double], forces: [Double]
    ) -> [MACEOutput] {
        (0..<graph.numGraphs).map { g in
            let nodes = graph.ptr[g]..<graph.ptr[g + 1]
            return MACEOutput(
                energy: energies?[g] ?? nodes.reduce(0) { $0 + nodeEnergies[$1] }, nodeEnergies: Array(nodeEnergies[nodes]),
                forces: nodes.map { SIMD3(forces[3 * $0], forces[3 * $0 + 1], forces[3 * $0 + 2]) })
        }
    }
}
