// SwiftMACE, MIT licence.
// Losses against mace-torch's loss modules (fixture) and a hand computation; gradients flow to predictions.

import Atoms
import Tensors
import Testing
@testable import Training

@Suite struct LossFunctionTests {
    /// Labels and predictions of Tests/Fixtures/training/losses.json (3 graphs of 3, 1 and 4 atoms).
    private func fixture() throws -> (LabelBatch, Predictions, JSONFixture) {
        let json = try JSONFixture("losses.json")
        let counts = (json.object["num_atoms"] as? [Int]) ?? []
        let (graphs, atoms) = (counts.count, counts.reduce(0, +))
        let ref = json["ref"], pred = json["pred"]
        var labels = try LabelBatch(configurations: counts.map { count in
            var configuration = Atoms.Configuration(atomicNumbers: Array(repeating: 1, count: count),
                                                    positions: Array(repeating: .zero, count: count))
            configuration.energy = 0
            return configuration
        })
        labels.energies = try tensor(ref.doubles("energy"), [graphs])
        labels.forces = try tensor(ref.doubles("forces"), [atoms, 3])
        labels.stress = try tensor(ref.doubles("stress"), [graphs, 3, 3])
        labels.virials = try tensor(ref.doubles("virials"), [graphs, 3, 3])
        labels.weights = try tensor(ref.doubles("weight"), [graphs])
        labels.energyWeights = try tensor(ref.doubles("energy_weight"), [graphs])
        labels.forcesWeights = try tensor(ref.doubles("forces_weight"), [graphs])
        labels.stressWeights = try tensor(ref.doubles("stress_weight"), [graphs])
        labels.virialsWeights = try tensor(ref.doubles("virials_weight"), [graphs])
        let predictions = Predictions(
            energies: try tensor(pred.doubles("energy"), [graphs]), forces: try tensor(pred.doubles("forces"), [atoms, 3]),
            stress: try tensor(pred.doubles("stress"), [graphs, 3, 3]), virials: try tensor(pred.doubles("virials"), [graphs, 3, 3]))
        return (labels, predictions, json)
    }

    @Test(arguments: [LossKind.weighted, .forcesOnly, .stress, .virials, .huber])
    func matchesMaceTorch(kind: LossKind) throws {
        let (labels, predictions, json) = try fixture()
        let loss = LossFunction(kind: kind, energyWeight: 1, forcesWeight: 100, stressWeight: 3, virialsWeight: 2, huberDelta: 0.01)
        let expected = json["loss"].double(kind.rawValue)
        expectClose([try loss(predictions, labels).scalarValue], [expected], relative: 1e-13, kind.rawValue)
    }

    @Test func weightedLossByHand() throws {
        // Two graphs: 1 atom (E error 0.2) and 2 atoms (E error 0.4, weight 0.5); forces error 0.1 on one component.
        var first = Atoms.Configuration(atomicNumbers: [1], positions: [.zero])
        first.energy = 1.0
        first.forces = [SIMD3(0, 0, 0)]
        var second = Atoms.Configuration(atomicNumbers: [1, 8], positions: [.zero, SIMD3(1, 0, 0)])
        second.energy = 2.0
        second.weight = 0.5
        second.forces = [SIMD3(0, 0, 0), SIMD3(0, 0, 0)]
        let labels = try LabelBatch(configurations: [first, second])
        let predictions = Predictions(
            energies: try tensor([0.8, 1.6], [2]), forces: try tensor([0.1, 0, 0, 0, 0, 0, 0, 0, 0], [3, 3]))
        let loss = LossFunction(kind: .weighted, energyWeight: 10, forcesWeight: 100)
        // energy: mean(1·0.2², 0.5·(0.4/2)²) = (0.04 + 0.02)/2 = 0.03; forces: 0.1²/9
        let expected = 10 * 0.03 + 100 * 0.01 / 9
        expectClose([try loss(predictions, labels).scalarValue], [expected], relative: 1e-14)
        // `ef` ignores the weights, as mace's fallback does.
        let ef = LossFunction(kind: .ef, energyWeight: 10, forcesWeight: 100)
        expectClose([try ef(predictions, labels).scalarValue], [0.03 + 0.01 / 9], relative: 1e-14)
    }

    @Test func missingLabelsWeighNothingAndGradientsFlow() throws {
        var configuration = Atoms.Configuration(atomicNumbers: [1, 1], positions: [.zero, SIMD3(0.7, 0, 0)])
        configuration.forces = [SIMD3(1, 0, 0), SIMD3(-1, 0, 0)]
        let labels = try LabelBatch(configurations: [configuration])
        let energies = try tensor([5.0], [1]).requiringGrad()
        let forces = try tensor([0, 0, 0, 0, 0, 0], [2, 3]).requiringGrad()
        let value = try LossFunction(kind: .weighted, energyWeight: 1, forcesWeight: 1)(
            Predictions(energies: energies, forces: forces), labels)
        expectClose([value.scalarValue], [2.0 / 6])
        let gradients = try grad(of: value, withRespectTo: [energies, forces], allowUnused: true)
        #expect(gradients[0].toArray() == [0])
        expectClose(gradients[1].toArray(), [-2.0 / 6, 0, 0, 2.0 / 6, 0, 0])
    }

    @Test func stressLossWithoutStressPredictionThrows() throws {
        let (labels, predictions, _) = try fixture()
        var withoutStress = predictions
        withoutStress.stress = nil
        #expect(throws: TrainingError.invalidData("loss 'stress' needs stress predictions; the model made none")) {
            _ = try LossFunction(kind: .stress)(withoutStress, labels)
        }
    }
}
