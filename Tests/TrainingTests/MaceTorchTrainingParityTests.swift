// SwiftMACE, MIT licence.
// Ten optimiser steps of mace-torch reproduced on the MACE model (Tests/Fixtures/training/README.md): loss, gradient
// norm and step-1 gradients per step, weights (and EMA weights) after steps 1 and 10, for every fixture case.

import Atoms
import Foundation
import MACE
import Tensors
import Testing
import TestSupport
import Training

@Suite struct MaceTorchTrainingParityTests {
    /// `adam_weighted_ema` trains exactly as `adam_weighted` (EMA never feeds back; the fixture script checks the
    /// live weights are bit-identical), so running it checks both cases' weights, losses and gradient norms, and
    /// takes the step-1 gradients from `adam_weighted` (checked by `emaCaseCoversAdamWeighted`).
    static let cases = ["adam_weighted_ema", "adam_stress_tial", "adamw_weighted"]

    @Test func emaCaseCoversAdamWeighted() throws {
        let plain = try JSONFixture("adam_weighted.json"), ema = try JSONFixture("adam_weighted_ema.json")
        #expect(plain.object["weights_after_step"] as? [String: String] == ema.object["weights_after_step"] as? [String: String])
        #expect(plain.list("steps").map { $0.double("loss") } == ema.list("steps").map { $0.double("loss") })
        #expect(plain.list("steps").map { $0.double("grad_norm_before_clip") }
            == ema.list("steps").map { $0.double("grad_norm_before_clip") })
        #expect(plain.object["gradients_step1"] as? String == "adam_weighted_grad_step1.safetensors")
    }

    @Test(arguments: cases)
    func tenStepsMatchMaceTorch(_ name: String) throws {
        let fixture = try JSONFixture(name + ".json")
        let gradientFile = fixture.object["gradients_step1"] as? String ?? "adam_weighted_grad_step1.safetensors"
        let config = fixture["config"]
        var model = try MACEModel(contentsOf: Fixtures.url("training/" + (fixture.object["initial_model"] as? String ?? "")))
        let dataset = try ExtXYZReader.read(contentsOf: Fixtures.url("training/" + (fixture.object["dataset_file"] as? String ?? "")))
        let batches = try (fixture.object["batches"] as? [[Int]] ?? []).map { indices in
            try TrainingBatch(configurations: indices.map { dataset[$0] }, model: model)
        }

        // mace's parameter groups, by name, in mace's order.
        let groups = try ParameterGroup.grouping(model.parameterNames, lr: config.double("lr"),
                                                 weightDecay: config.double("weight_decay"))
        let expectedGroups = fixture.list("param_groups").map { ($0.object["params"] as? [String]) ?? [] }
        #expect(groups.map { $0.parameterIndices.map { model.parameterNames[$0] } } == expectedGroups)
        var optimizer = Adam(groups: groups, parameterCount: groups.reduce(0) { $0 + $1.parameterIndices.count },
                             amsgrad: config.object["amsgrad"] as? Bool ?? true,
                             decoupledWeightDecay: config.object["optimizer"] as? String == "adamw")
        var ema = (config.object["ema"] as? Bool ?? false)
            ? ExponentialMovingAverage(parameters: model.parameterValues, decay: config.double("ema_decay")) : nil
        let kind = try #require(LossKind(rawValue: config.object["loss"] as? String ?? ""))
        let loss = LossFunction(kind: kind, energyWeight: config.double("energy_weight"),
                                forcesWeight: config.double("forces_weight"), stressWeight: config.double("stress_weight"))

        for step in fixture.list("steps") {
            let index = Int(step.double("step"))
            let batch = batches[Int(step.double("batch"))]
            if index == 1 { try expectGradients(of: model, batch: batch, loss: loss, file: gradientFile) }
            let result = try TrainingStep.take(model: &model, optimizer: &optimizer, ema: &ema,
                                               maxGradNorm: config.double("clip_grad")) { try batch.loss(of: $0, loss) }
            expectClose([result.loss], [step.double("loss")], relative: 1e-10, "\(name) step \(index) loss")
            expectClose([result.gradientNorm], [step.double("grad_norm_before_clip")], relative: 1e-10,
                        "\(name) step \(index) grad norm")
            let key = "\(index)"
            if let file = (fixture.object["weights_after_step"] as? [String: String])?[key] {
                try expectWeights(model.parameters.map { ($0.name, $0.value) }, file: file, "\(name) step \(index)")
            }
            if let file = (fixture.object["ema_weights_after_step"] as? [String: String])?[key], let ema {
                try expectWeights(Array(zip(model.parameterNames, ema.shadow)), file: file, "\(name) EMA step \(index)")
            }
        }
    }

    /// Every parameter within 1e-8 of mace's relative to the largest weight of its tensor (weights are O(1); Adam
    /// amplifies round-off of near-zero gradients to ≤ 7e-9 absolute, README "Tolerances").
    private func expectWeights(_ parameters: [(String, Tensor)], file: String, _ what: String) throws {
        let reference = try SafetensorsTestReader(contentsOf: Fixtures.url("training/" + file))
        for (name, value) in parameters {
            let (shape, expected) = try reference.doubles(name)
            #expect(shape == value.shape, "\(what) \(name) shape")
            let scale = max(expected.map(abs).max() ?? 1, 1)
            let difference = zip(value.toArray(), expected).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-8 * scale, "\(what) \(name): max difference \(difference)")
        }
    }

    /// ∂loss/∂θ at step 1 within 1e-10·max|g| of mace's (the README's suggestion).
    private func expectGradients(of model: MACEModel, batch: TrainingBatch, loss: LossFunction, file: String) throws {
        let reference = try SafetensorsTestReader(contentsOf: Fixtures.url("training/" + file))
        let (_, gradients) = try valueAndGradient(of: { values in
            var tracked = model
            tracked.parameterValues = values
            return try batch.loss(of: tracked, loss)
        }, at: model.parameterValues)
        let expected = try model.parameterNames.map { try reference.doubles($0).values }
        let largest = expected.flatMap { $0 }.map(abs).max() ?? 1
        for (name, (gradient, values)) in zip(model.parameterNames, zip(gradients, expected)) {
            let difference = zip(gradient.toArray(), values).map { abs($0 - $1) }.max() ?? 0
            #expect(difference <= 1e-10 * largest, "step-1 gradient of \(name): max difference \(difference)")
        }
    }
}
