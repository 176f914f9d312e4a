// SwiftMACE, MIT licence.
// LossFunction: mace-torch's training losses (modules/loss.py, chosen as in scripts_utils.get_loss_fn;
// MACE.md §11.1) as differentiable Tensor functions of Predictions and a LabelBatch.

import Tensors

/// A training loss: its kind and the weights λ of its terms.
///
/// - `weighted`: λ_E mean_b[w_b w^E_b ((E_b − Ê_b)/N_b)²] + λ_F mean_{i,α}[w w^F (F_iα − F̂_iα)²]
///   (`WeightedEnergyForcesLoss`).
/// - `ef`: the same with λ_E = λ_F = 1 (mace's get_loss_fn has no `ef` branch and falls back to that).
/// - `forces_only`: the forces term only (`WeightedForcesLoss`).
/// - `stress`: weighted + λ_S mean[w w^S (σ − σ̂)²] (`WeightedEnergyForcesStressLoss`).
/// - `virials`: weighted + λ_V mean[w w^V ((V − V̂)/N)²] (`WeightedEnergyForcesVirialsLoss`).
/// - `huber`: λ_E huber(E/N) + λ_F huber(F) + λ_S huber(σ), means, no configuration weights
///   (`WeightedHuberEnergyForcesStressLoss`).
public struct LossFunction: Sendable, Equatable, Codable {
    public var kind: LossKind
    public var energyWeight: Double
    public var forcesWeight: Double
    public var stressWeight: Double
    public var virialsWeight: Double
    /// δ of the Huber loss.
    public var huberDelta: Double

    public init(
        kind: LossKind, energyWeight: Double = 1, forcesWeight: Double = 100, stressWeight: Double = 1,
        virialsWeight: Double = 1, huberDelta: Double = 0.01
    ) {
        self.kind = kind
        self.energyWeight = energyWeight
        self.forcesWeight = forcesWeight
        self.stressWeight = stressWeight
        self.virialsWeight = virialsWeight
        self.huberDelta = huberDelta
    }

    /// The loss of `options.loss` with its weights; `stageTwo` takes the `swa_*` weights instead (mace `get_swa`).
    public init(options: TrainingOptions, stageTwo: Bool = false) {
        self.init(
            kind: options.loss,
            energyWeight: stageTwo ? options.swaEnergyWeight : options.energyWeight,
            forcesWeight: stageTwo ? options.swaForcesWeight : options.forcesWeight,
            stressWeight: stageTwo ? options.swaStressWeight : options.stressWeight,
            virialsWeight: stageTwo ? options.swaVirialsWeight : options.virialsWeight,
            huberDelta: options.huberDelta)
    }

    /// The scalar loss of one batch; differentiable with respect to the predictions.
    /// - Parameter counts: what the means divide by: nil for `labels`' own counts; the whole batch's counts when
    ///   `labels` is one shard of it, so that the shards' losses add up to the batch's loss.
    /// - Throws: `TrainingError.invalidData` when a term needs a prediction the model did not make.
    public func callAsFunction(_ predictions: Predictions, _ labels: LabelBatch, counts: LossCounts? = nil) throws
        -> Tensor
    {
        let counts = counts ?? LossCounts(labels)
        switch kind {
        case .weighted:
            return try energyTerm(predictions, labels, counts) * energyWeight + forcesTerm(predictions, labels, counts) * forcesWeight
        case .ef:
            return try energyTerm(predictions, labels, counts) + forcesTerm(predictions, labels, counts)
        case .forcesOnly:
            return try forcesTerm(predictions, labels, counts) * forcesWeight
        case .stress:
            return try energyTerm(predictions, labels, counts) * energyWeight + forcesTerm(predictions, labels, counts) * forcesWeight
                + stressTerm(predictions, labels, counts) * stressWeight
        case .virials:
            return try energyTerm(predictions, labels, counts) * energyWeight + forcesTerm(predictions, labels, counts) * forcesWeight
                + virialsTerm(predictions, labels, counts) * virialsWeight
        case .huber:
            let energy = huber(predictions.energies / labels.numAtomsTensor, labels.energies / labels.numAtomsTensor)
            let forces = huber(try required(predictions.forces, "forces"), labels.forces)
            let stress = huber(try required(predictions.stress, "stress"), labels.stress)
            return energy.sum() / Double(counts.graphs) * energyWeight
                + forces.sum() / Double(3 * counts.atoms) * forcesWeight
                + stress.sum() / Double(9 * counts.graphs) * stressWeight
        }
    }

    /// mean_b[w_b w^E_b ((E_b − Ê_b)/N_b)²] (`weighted_mean_squared_error_energy`).
    func energyTerm(_ predictions: Predictions, _ labels: LabelBatch, _ counts: LossCounts) -> Tensor {
        let error = (labels.energies - predictions.energies) / labels.numAtomsTensor
        return (labels.weights * labels.energyWeights * error.squared()).sum() / Double(counts.graphs)
    }

    /// mean over atoms and components of w w^F (F − F̂)² (`mean_squared_error_forces`).
    func forcesTerm(_ predictions: Predictions, _ labels: LabelBatch, _ counts: LossCounts) throws -> Tensor {
        let forces = try required(predictions.forces, "forces")
        let weight = try labels.perAtom(labels.weights * labels.forcesWeights)
        return (weight * (labels.forces - forces).squared()).sum() / Double(3 * counts.atoms)
    }

    /// mean of w w^S (σ − σ̂)² (`weighted_mean_squared_stress`).
    func stressTerm(_ predictions: Predictions, _ labels: LabelBatch, _ counts: LossCounts) throws -> Tensor {
        let stress = try required(predictions.stress, "stress")
        let weight = (labels.weights * labels.stressWeights).reshaped([labels.numAtoms.count, 1, 1])
        return (weight * (labels.stress - stress).squared()).sum() / Double(9 * counts.graphs)
    }

    /// mean of w w^V ((V − V̂)/N)² (`weighted_mean_squared_virials`).
    func virialsTerm(_ predictions: Predictions, _ labels: LabelBatch, _ counts: LossCounts) throws -> Tensor {
        let virials = try required(predictions.virials, "virials")
        let graphs = labels.numAtoms.count
        let weight = (labels.weights * labels.virialsWeights).reshaped([graphs, 1, 1])
        let error = (labels.virials - virials) / labels.numAtomsTensor.reshaped([graphs, 1, 1])
        return (weight * error.squared()).sum() / Double(9 * counts.graphs)
    }

    /// torch `huber_loss(reduction="none")`: ½d² where |d| < δ, else δ(|d| − ½δ).
    func huber(_ a: Tensor, _ b: Tensor) -> Tensor {
        let difference = a - b
        let magnitude = which(difference .< 0, -difference, difference)
        let quadratic = difference.squared() * 0.5
        let linear = (magnitude - 0.5 * huberDelta) * huberDelta
        return which(magnitude .< huberDelta, quadratic, linear)
    }

    private func required(_ tensor: Tensor?, _ name: String) throws -> Tensor {
        guard let tensor else {
            throw TrainingError.invalidData("loss '\(kind.rawValue)' needs \(name) predictions; the model made none")
        }
        return tensor
    }
}

/// What a loss's means divide by: configurations and atoms of the batch (a shard's loss divides by the whole
/// batch's counts, so the shards' losses and gradients add up to the batch's).
public struct LossCounts: Sendable, Equatable {
    public var graphs: Int
    public var atoms: Int

    public init(graphs: Int, atoms: Int) {
        self.graphs = graphs
        self.atoms = atoms
    }

    /// The counts of `labels` itself.
    public init(_ labels: LabelBatch) {
        self.init(graphs: labels.numAtoms.count, atoms: labels.numAtoms.reduce(0, +))
    }
}
