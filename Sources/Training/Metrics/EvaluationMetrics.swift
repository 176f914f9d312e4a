// SwiftMACE, MIT licence.
// EvaluationMetrics and MetricsAccumulator: mace's `MACELoss` metric (tools/train.py): loss and energy, force,
// stress and virial errors over a data set, in eV, eV/Å, eV/Å³ (tables print meV).

import Tensors

/// Errors of a model over a data set, as mace's `evaluate` returns them. nil: not computed (no weighted labels).
public struct EvaluationMetrics: Sendable, Equatable {
    /// Sum of batch losses divided by the number of configurations (mace's `total_loss / num_data`).
    public var loss: Double
    public var maeE: Double?, rmseE: Double?, maeEPerAtom: Double?, rmseEPerAtom: Double?
    public var maeF: Double?, rmseF: Double?
    /// Force errors relative to the mean |F| / RMS F of the reference, in %.
    public var relMaeF: Double?, relRmseF: Double?
    public var maeStress: Double?, rmseStress: Double?
    public var maeVirials: Double?, rmseVirials: Double?, rmseVirialsPerAtom: Double?

    public init(loss: Double) { self.loss = loss }
}

/// Collects per-batch errors, then computes `EvaluationMetrics` (mace `MACELoss.update` / `compute`).
///
/// As in mace, energy, force, stress and virial errors keep only entries whose weight × property weight is
/// positive, while per-atom energy errors and the reference forces used for relative errors keep all.
public struct MetricsAccumulator: Sendable {
    /// Only configurations of this config type count; nil: all.
    public var configType: String?
    private var totalLoss = 0.0
    private var numData = 0
    private var deltaE: [Double] = [], deltaEPerAtom: [Double] = []
    private var forces: [Double] = [], deltaF: [Double] = []
    private var deltaStress: [Double] = [], deltaVirials: [Double] = [], deltaVirialsPerAtom: [Double] = []
    private var hasEnergy = false, hasForces = false, hasStress = false, hasVirials = false

    public init(configType: String? = nil) { self.configType = configType }

    /// Adds one batch: its loss (a batch mean) and the errors of its configurations.
    public mutating func add(labels: LabelBatch, predictions: Predictions, loss: Double) {
        let weight = labels.weights.toArray()
        let energyWeight = labels.energyWeights.toArray(), forcesWeight = labels.forcesWeights.toArray()
        let stressWeight = labels.stressWeights.toArray(), virialsWeight = labels.virialsWeights.toArray()
        let energy = labels.energies.toArray(), predictedEnergy = predictions.energies.toArray()
        let force = labels.forces.toArray(), predictedForce = predictions.forces?.toArray()
        let stress = labels.stress.toArray(), predictedStress = predictions.stress?.toArray()
        let virials = labels.virials.toArray(), predictedVirials = predictions.virials?.toArray()
        var atomStart = 0
        var included = 0
        for graph in labels.numAtoms.indices {
            let atoms = labels.numAtoms[graph]
            defer { atomStart += atoms }
            if let configType, labels.configTypes[graph] != configType { continue }
            included += 1
            let delta = energy[graph] - predictedEnergy[graph]
            deltaEPerAtom.append(delta / Double(atoms))
            if weight[graph] * energyWeight[graph] > 0 {
                deltaE.append(delta)
                hasEnergy = true
            }
            if let predictedForce {
                let range = (3 * atomStart)..<(3 * (atomStart + atoms))
                forces += force[range]
                if weight[graph] * forcesWeight[graph] > 0 {
                    deltaF += range.map { force[$0] - predictedForce[$0] }
                    hasForces = true
                }
            }
            let tensorRange = (9 * graph)..<(9 * graph + 9)
            if let predictedStress, weight[graph] * stressWeight[graph] > 0 {
                deltaStress += tensorRange.map { stress[$0] - predictedStress[$0] }
                hasStress = true
            }
            if let predictedVirials {
                let differences = tensorRange.map { virials[$0] - predictedVirials[$0] }
                deltaVirialsPerAtom += differences.map { $0 / Double(atoms) }
                if weight[graph] * virialsWeight[graph] > 0 {
                    deltaVirials += differences
                    hasVirials = true
                }
            }
        }
        if configType == nil || included > 0 {
            totalLoss += loss
            numData += configType == nil ? labels.numAtoms.count : included
        }
    }

    /// The metrics of everything added.
    public func compute() -> EvaluationMetrics {
        var metrics = EvaluationMetrics(loss: numData > 0 ? totalLoss / Double(numData) : .nan)
        if hasEnergy {
            metrics.maeE = Self.mae(deltaE)
            metrics.rmseE = Self.rmse(deltaE)
            metrics.maeEPerAtom = Self.mae(deltaEPerAtom)
            metrics.rmseEPerAtom = Self.rmse(deltaEPerAtom)
        }
        if hasForces {
            metrics.maeF = Self.mae(deltaF)
            metrics.rmseF = Self.rmse(deltaF)
            metrics.relMaeF = Self.mae(deltaF) / (Self.mae(forces) + 1e-9) * 100
            metrics.relRmseF = Self.rmse(deltaF) / (Self.rmse(forces) + 1e-9) * 100
        }
        if hasStress {
            metrics.maeStress = Self.mae(deltaStress)
            metrics.rmseStress = Self.rmse(deltaStress)
        }
        if hasVirials {
            metrics.maeVirials = Self.mae(deltaVirials)
            metrics.rmseVirials = Self.rmse(deltaVirials)
            metrics.rmseVirialsPerAtom = Self.rmse(deltaVirialsPerAtom)
        }
        return metrics
    }

    static func mae(_ values: [Double]) -> Double { values.reduce(0) { $0 + abs($1) } / Double(values.count) }
    static func rmse(_ values: [Double]) -> Double {
        (values.reduce(0) { $0 + $1 * $1 } / Double(values.count)).squareRoot()
    }
}
