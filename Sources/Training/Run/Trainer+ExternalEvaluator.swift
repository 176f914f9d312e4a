// SwiftMACE, MIT licence.
// What a run through an ExternalGradientEvaluator cannot do, refused before any work: the evaluator makes energies
// and forces only, so a loss whose stress or virial term counts on the data, or compute_stress, is an error.

import Atoms
import Support

extension Trainer {
    /// - Throws: `TrainingError.invalidValue` naming `compute_stress`, or `loss` when a stress or virial term of
    ///   the stage-one or stage-two loss has a positive weight and labels it would be computed on.
    func checkExternalEvaluatorOptions() throws {
        let reason = "the external evaluator (--device cuda) supports energy and force losses only"
        if options.computeStress {
            throw TrainingError.invalidValue(InputLocation(file: source, key: "compute_stress"), found: "true",
                                             expected: "false: \(reason)")
        }
        var losses = [(loss: LossFunction(options: options), prefix: "")]
        if options.stageTwoEnabled { losses.append((LossFunction(options: options, stageTwo: true), "swa_")) }
        let configurations = data.train + data.valid + data.tests.flatMap(\.configurations)
        for (loss, prefix) in losses {
            guard let term = loss.contributingStressTerm(on: configurations, configTypeWeights: options.configTypeWeights)
            else { continue }
            throw TrainingError.invalidValue(
                InputLocation(file: source, key: "loss"), found: loss.kind.rawValue,
                expected: "weighted, ef or forces_only (or \(prefix)\(term.key) 0): \(reason), and this loss has "
                    + "\(prefix)\(term.key) \(term.weight) with \(term.labels) in the data")
        }
    }
}

extension LossFunction {
    /// The stress or virial term of this loss that is not zero on `configurations`: its weight option, weight and
    /// what it reads; nil when every such term adds nothing (zero weight, or no labelled configuration with a
    /// positive weight; for Huber, no stress label and no cell, where the predicted stress is zero too).
    func contributingStressTerm(on configurations: [Configuration], configTypeWeights: [String: Double])
        -> (key: String, weight: Double, labels: String)?
    {
        func weighted(_ labelled: (Configuration) -> Bool, _ propertyWeight: (Configuration) -> Double) -> Bool {
            configurations.contains {
                labelled($0) && $0.weight * (configTypeWeights[$0.configType] ?? 1) * propertyWeight($0) > 0
            }
        }
        switch kind {
        case .weighted, .ef, .forcesOnly:
            return nil
        case .stress:
            guard stressWeight > 0, weighted({ $0.stress != nil }, \.stressWeight) else { return nil }
            return ("stress_weight", stressWeight, "stress labels")
        case .virials:
            guard virialsWeight > 0, weighted({ $0.virials != nil }, \.virialsWeight) else { return nil }
            return ("virials_weight", virialsWeight, "virial labels")
        case .huber:
            guard stressWeight > 0, configurations.contains(where: { $0.stress != nil || $0.hasCell }) else { return nil }
            return ("stress_weight", stressWeight, "stress labels or periodic cells")
        }
    }
}
