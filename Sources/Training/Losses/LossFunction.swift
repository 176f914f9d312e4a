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
    /// - Throws: `TrainingError.invalidData` when a term needs a prediction the model did not make.
    public func callAsFunction(_ predictions: Predictions, _ labels: LabelBatch) throws -> Tensor {
        switch kind {
        case .weighted:
            return try energyTerm(predictions, labels) * energyWeight + forcesTerm(predictions, labels) * forcesWeight
        case .ef:
            return try energyTerm(predictions, labels) + forcesTerm(predictions, labels)
        case .forcesOnly:
            return try forcesTerm(predictions, labels) * forcesWeight
        case .stress:
            return try energyTerm(predictions, labels) * energyWeight + forcesTerm(predictions, labels) * forcesWeight
                + stressTerm(predictions, labels) * stressWeight
        case .virials:
            return try energyTerm(predictions, labels) * energyWeight + forcesTerm(predictions, labels) * forcesWeight
                + virialsTerm(predictions, labels) * virialsWeight
        case .huber:
            let energy = huber(predictions.energies / labels.numAtomsTensor, labels.energies / labels.numAtomsTensor)
            let forces = huber(try required(predictions.forces, "forces"), labels.forces)
            let stress = huber(try required(predictions.stress, "stress"), labels.stress)
            return energy.mean() * energyWeight + forces.mean() * forcesWeight + stress.mean() * stressWeight
        }
    }

    /// mean_b[w_b w^E_b ((E_b − Ê_b)/N_b)²] (`weighted_mean_squared_error_energy`).
    func energyTerm(_ predictions: Predictions, _ labels: LabelBatch) -> Tensor {
        let error = (labels.energies - predictions.energies) / labels.numAtomsTensor
        return (labels.weights * labels.energyWeights * error.squared()).mean()
    }

    /// mean over atoms and components of w w^F (F − F̂)² (`mean_squared_error_forces`).
    func forcesTerm(_ predictions: Predictions, _ labels: LabelBatch) throws -> Tensor {
        let forces = try required(predictions.forces, "forces")
        let weight = try labels.perAtom(labels.weights * labels.forcesWeights)
        return (weight * (labels.forces - forces).squared()).mean()
    }

    /// mean of w w^S (σ − σ̂)² (`weighted_mean_squared_stress`).
    func stressTerm(_ predictions: Predictions, _ labels: LabelBatch) throws -> Tensor {
        let stress = try required(predictions.stress, "stress")
        let weight = (labels.weights * labels.stressWeights).reshaped([labels.numAtoms.count, 1, 1])
        return (weight * (labels.stress - stress).squared()).mean()
    }

    /// mean of w w^V ((V − V̂)/N)² (`weighted_mean_squared_virials`).
    func virialsTerm(_ predictions: Predictions, _ labels: LabelBatch) throws -> Tensor {
        let virials = try required(predictions.virials, "virials")
        let graphs = labels.numAtoms.count
        let weight = (labels.weights * labels.virialsWeights).reshaped([graphs, 1, 1])
        let error = (labels.virials - virials) / labels.numAtomsTensor.reshaped([graphs, 1, 1])
        return (weight * error.squared()).mean()
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
