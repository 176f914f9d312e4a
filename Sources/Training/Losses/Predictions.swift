// SwiftMACE, MIT licence.
// Predictions: the model outputs a loss reads (mace's output dict keys energy, forces, stress, virials).

import Tensors

/// What the model predicted for a batch; shapes as in `LabelBatch`.
public struct Predictions: Sendable {
    /// Total energies in eV, `[numGraphs]`.
    public var energies: Tensor
    /// Forces in eV/Å, `[totalAtoms, 3]`, when computed.
    public var forces: Tensor?
    /// Stress in eV/Å³, `[numGraphs, 3, 3]`, when computed.
    public var stress: Tensor?
    /// Virials in eV, `[numGraphs, 3, 3]`, when computed.
    public var virials: Tensor?

    public init(energies: Tensor, forces: Tensor? = nil, stress: Tensor? = nil, virials: Tensor? = nil) {
        self.energies = energies
        self.forces = forces
        self.stress = stress
        self.virials = virials
    }
}
