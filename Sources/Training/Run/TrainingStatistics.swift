// SwiftMACE, MIT licence.
// The training-set statistics a new model is built with, as mace_run_train computes them (MACE.md §11.3,
// Tests/Fixtures/training/README.md "Statistics"): E0s, avg_num_neighbors, and scale/shift.

import Atoms
import MACE

/// E0s, the average neighbour count and ScaleShiftMACE's scale and shift of one training set.
public struct TrainingStatistics: Sendable, Equatable {
    /// E0 per element of the training set's `atomicNumbers`, eV.
    public var atomicEnergies: [Double]
    /// Mean over atoms that receive at least one edge of the edges they receive (`compute_avg_num_neighbors`).
    public var avgNumNeighbors: Double
    /// `rms_forces_scaling`: mean of (E − Σ E0)/N (eV/atom) and √(mean F²) (eV/Å); `std_scaling`: mean and standard
    /// deviation of (E − Σ E0)/N; `no_scaling`: 0 and 1.
    public var mean: Double
    public var scale: Double

    /// - Throws: `TrainingError` for missing E0s or energies; `ModelError` for a structure without a neighbour list.
    public init(options: TrainingOptions, data: TrainingData, source: String) throws {
        let zs = data.atomicNumbers
        let e0 = try E0s.resolve(options.e0s, zs: zs, configurations: data.allTrain, source: options.trainFile ?? source)
        atomicEnergies = zs.map { e0[$0] ?? 0 }
        var receiving = 0, edges = 0
        for configuration in data.train {
            let graph = try AtomicGraph(configurations: [configuration], atomicNumbers: zs, cutoff: options.rMax)
            receiving += Set(graph.receivers).count
            edges += graph.numEdges
        }
        avgNumNeighbors = options.computeAvgNumNeighbors
            ? (receiving > 0 ? Double(edges) / Double(receiving) : 1) : options.avgNumNeighbors
        var perAtom: [Double] = [], forceSquares: [Double] = []
        for configuration in data.train {
            if let energy = configuration.energy {
                let reference = configuration.atomicNumbers.reduce(0) { $0 + (e0[$1] ?? 0) }
                perAtom.append((energy - reference) / Double(configuration.numAtoms))
            }
            for force in configuration.forces ?? [] { forceSquares += [force.x * force.x, force.y * force.y, force.z * force.z] }
        }
        let average = perAtom.isEmpty ? 0 : perAtom.reduce(0, +) / Double(perAtom.count)
        switch options.scaling {
        case .rmsForces:
            mean = average
            scale = forceSquares.isEmpty ? 1 : (forceSquares.reduce(0, +) / Double(forceSquares.count)).squareRoot()
        case .std:
            mean = average
            let variance = perAtom.isEmpty ? 1 : perAtom.reduce(0) { $0 + ($1 - average) * ($1 - average) } / Double(perAtom.count)
            scale = variance.squareRoot()
        case .none:
            mean = 0
            scale = 1
        }
        if !(scale > 0) || !scale.isFinite { scale = 1 }
    }
}
