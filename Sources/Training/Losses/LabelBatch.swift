// SwiftMACE, MIT licence.
// LabelBatch: the reference labels and per-configuration weights of one batch of configurations, as tensors
// (mace's torch_geometric Batch fields energy, forces, stress, virials, weight, *_weight, ptr, batch).

import Atoms
import Tensors

/// Reference values of a batch of graphs (configurations), in the layout the model's outputs have.
///
/// Missing labels are zero with a zero weight, as mace's `config_from_atoms` does, so they add nothing to the loss.
public struct LabelBatch: Sendable {
    /// Atoms per graph, `[numGraphs]`.
    public var numAtoms: [Int]
    /// The graph of each atom, int32 `[totalAtoms]`.
    public var batchIndex: Tensor
    /// Total energies in eV, `[numGraphs]`.
    public var energies: Tensor
    /// Forces in eV/Å, `[totalAtoms, 3]`.
    public var forces: Tensor
    /// Stress in eV/Å³, `[numGraphs, 3, 3]`.
    public var stress: Tensor
    /// Virials in eV, `[numGraphs, 3, 3]`.
    public var virials: Tensor
    /// Configuration weight (`config_type_weights`), `[numGraphs]`.
    public var weights: Tensor
    /// Per-property weights, `[numGraphs]` each.
    public var energyWeights: Tensor
    public var forcesWeights: Tensor
    public var stressWeights: Tensor
    public var virialsWeights: Tensor
    /// Atoms per graph in the labels' dtype, `[numGraphs]`.
    public var numAtomsTensor: Tensor
    /// Config types, for per-type metrics.
    public var configTypes: [String]

    /// The labels of `configurations`, in `dtype`.
    /// - Parameter configTypeWeights: mace's `config_type_weights`; types not listed get weight 1.
    /// - Throws: `TrainingError.invalidData` for an empty batch or a configuration without atoms.
    public init(
        configurations: [Configuration], configTypeWeights: [String: Double] = ["Default": 1], dtype: DType = .float64
    ) throws {
        guard !configurations.isEmpty else { throw TrainingError.invalidData("a batch needs at least one configuration") }
        if let empty = configurations.firstIndex(where: { $0.numAtoms == 0 }) {
            throw TrainingError.invalidData("configuration \(empty) of the batch has no atoms")
        }
        let graphs = configurations.count
        numAtoms = configurations.map(\.numAtoms)
        batchIndex = Tensor(indices: numAtoms.enumerated().flatMap { [Int32](repeating: Int32($0.offset), count: $0.element) })
        var energy = [Double](), force = [Double](), stressValues = [Double](), virialValues = [Double]()
        var weight = [Double](), energyWeight = [Double](), forcesWeight = [Double]()
        var stressWeight = [Double](), virialsWeight = [Double]()
        for configuration in configurations {
            weight.append(configuration.weight * (configTypeWeights[configuration.configType] ?? 1))
            energy.append(configuration.energy ?? 0)
            energyWeight.append(configuration.energy == nil ? 0 : configuration.energyWeight)
            let forces = configuration.forces ?? []
            for atom in 0..<configuration.numAtoms {
                let f = atom < forces.count ? forces[atom] : .zero
                force += [f.x, f.y, f.z]
            }
            forcesWeight.append(configuration.forces == nil ? 0 : configuration.forcesWeight)
            stressValues += configuration.stress?.rowMajor ?? [Double](repeating: 0, count: 9)
            stressWeight.append(configuration.stress == nil ? 0 : configuration.stressWeight)
            virialValues += configuration.virials?.rowMajor ?? [Double](repeating: 0, count: 9)
            virialsWeight.append(configuration.virials == nil ? 0 : configuration.virialsWeight)
        }
        let atoms = numAtoms.reduce(0, +)
        energies = try Tensor(energy, shape: [graphs], dtype: dtype)
        forces = try Tensor(force, shape: [atoms, 3], dtype: dtype)
        stress = try Tensor(stressValues, shape: [graphs, 3, 3], dtype: dtype)
        virials = try Tensor(virialValues, shape: [graphs, 3, 3], dtype: dtype)
        weights = try Tensor(weight, shape: [graphs], dtype: dtype)
        energyWeights = try Tensor(energyWeight, shape: [graphs], dtype: dtype)
        forcesWeights = try Tensor(forcesWeight, shape: [graphs], dtype: dtype)
        stressWeights = try Tensor(stressWeight, shape: [graphs], dtype: dtype)
        virialsWeights = try Tensor(virialsWeight, shape: [graphs], dtype: dtype)
        numAtomsTensor = try Tensor(numAtoms.map(Double.init), shape: [graphs], dtype: dtype)
        configTypes = configurations.map(\.configType)
    }

    /// A per-graph quantity repeated for each atom of its graph, `[totalAtoms, 1]` (torch `repeat_interleave`).
    public func perAtom(_ perGraph: Tensor) throws -> Tensor {
        try gather(perGraph, indices: batchIndex).reshaped([batchIndex.elementCount, 1])
    }
}
