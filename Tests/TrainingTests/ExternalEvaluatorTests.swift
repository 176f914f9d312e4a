// SwiftMACE, MIT licence.
// Training through an ExternalGradientEvaluator (the GPU's path), with the CPU model behind the protocol: the same
// weights, losses and metrics as the plain CPU trainer; losses needing stress refused; the evaluator's contract.

import Atoms
import Foundation
import MACE
import Testing
import TestSupport
@testable import Training

@Suite struct ExternalEvaluatorTests {
    /// CPUGradientEvaluator that counts the calls the trainer makes.
    final class CountingEvaluator: ExternalGradientEvaluator {
        let inner: CPUGradientEvaluator
        var evaluations = 0, gradients = 0, parameterSets = 0

        init(model: MACEModel) { inner = CPUGradientEvaluator(model: model) }

        func evaluate(_ graph: AtomicGraph) throws -> [MACEOutput] {
            evaluations += 1
            return try inner.evaluate(graph)
        }

        func parameterGradients(_ graph: AtomicGraph, energyCotangents: [Double], forceCotangents: [SIMD3<Double>]) throws
            -> [[Double]]
        {
            gradients += 1
            return try inner.parameterGradients(graph, energyCotangents: energyCotangents, forceCotangents: forceCotangents)
        }

        func setParameters(_ model: MACEModel) throws {
            parameterSets += 1
            try inner.setParameters(model)
        }
    }

    @Test func externalPathTrainsLikeTheCPUTrainer() throws {
        let (cpuOptions, cpuDirectory) = try TrainerTests.options("max_num_epochs: 2")
        let (externalOptions, externalDirectory) = try TrainerTests.options("max_num_epochs: 2")
        defer {
            try? FileManager.default.removeItem(at: cpuDirectory)
            try? FileManager.default.removeItem(at: externalDirectory)
        }
        var cpuLines: [String] = [], externalLines: [String] = []
        // The CPU trainer splits batches into a shard per core, the external path not: sums differ by round-off.
        let cpu = try Trainer(options: cpuOptions, source: "run.yaml") { cpuLines.append($0) }.run()
        var evaluator: CountingEvaluator?
        let external = try Trainer(options: externalOptions, source: "run.yaml", log: { externalLines.append($0) }) { model in
            let counting = CountingEvaluator(model: model)
            evaluator = counting
            return counting
        }.run()

        // 9 training configurations in batches of 3 for 2 epochs: 6 steps; 1 validation batch per epoch; the final
        // tables evaluate 3 train and 1 valid batches. EMA is on: validation sets the EMA weights and back.
        let counts = try #require(evaluator)
        #expect(counts.gradients == 6)
        #expect(counts.evaluations == 6 + 2 + 4)
        #expect(counts.parameterSets == 6 + 2 * 2 + 1)
        #expect(externalLines.filter { $0.hasPrefix("Epoch ") }.count == 2)
        #expect(externalLines.contains { $0.hasPrefix("Epoch 1/2: loss=") && $0.contains("RMSE_F=") && $0.contains("ETA") })
        #expect(external.tables == cpu.tables)

        // Losses and metrics of every epoch, from the results logs.
        func records(_ directory: URL) throws -> [[String: Any]] {
            let text = try String(contentsOf: directory.appendingPathComponent("results/tiny_run-123_train.txt"), encoding: .utf8)
            return try text.split(separator: "\n").map {
                try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        }
        let cpuRecords = try records(cpuDirectory), externalRecords = try records(externalDirectory)
        #expect(cpuRecords.count == 4 && externalRecords.count == cpuRecords.count)
        for (cpuRecord, externalRecord) in zip(cpuRecords, externalRecords) {
            #expect(Set(cpuRecord.keys) == Set(externalRecord.keys))
            for (key, value) in cpuRecord {
                guard let expected = (value as? NSNumber)?.doubleValue else { continue }
                let actual = try #require((externalRecord[key] as? NSNumber)?.doubleValue, "\(key)")
                expectClose([actual], [expected], relative: 1e-12, "\(cpuRecord["mode"] ?? "") \(key)")
            }
        }

        // Live weights and EMA of the last checkpoint, and the final (EMA) model.
        let latest = "checkpoints/tiny_run-123_latest.safetensors"
        let cpuState = try CheckpointStore(options: cpuOptions).load(cpuDirectory.appendingPathComponent(latest).path)
        let externalState = try CheckpointStore(options: externalOptions).load(externalDirectory.appendingPathComponent(latest).path)
        expectEqualWeights(externalState.parameters.map { $0.value.toArray() }, cpuState.parameters.map { $0.value.toArray() },
                           "weights")
        expectEqualWeights(try #require(externalState.ema).shadow.map { $0.toArray() },
                           try #require(cpuState.ema).shadow.map { $0.toArray() }, "EMA")
        let cpuModel = try MACEModel(contentsOf: cpuDirectory.appendingPathComponent("tiny.safetensors"))
        let externalModel = try MACEModel(contentsOf: externalDirectory.appendingPathComponent("tiny.safetensors"))
        expectEqualWeights(externalModel.parameterValues.map { $0.toArray() }, cpuModel.parameterValues.map { $0.toArray() },
                           "final model")
    }

    /// Weights agree to 1e-12 of their scale (absolute for weights below 1).
    func expectEqualWeights(_ actual: [[Double]], _ expected: [[Double]], _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.map(\.count) == expected.map(\.count), "\(what): shapes", sourceLocation: sourceLocation)
        let worst = zip(actual.joined(), expected.joined()).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= 1e-12, "\(what): largest difference \(worst)", sourceLocation: sourceLocation)
    }

    /// tial8 has stress labels: a stress loss, or compute_stress, cannot go through an evaluator of energies and
    /// forces; a stress loss of weight 0 adds nothing and is accepted. device cuda needs an evaluator.
    @Test func stressNeedsTheCPUTrainer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-ext-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        func options(_ extra: String) throws -> TrainingOptions {
            try TrainingOptions.load(yaml: """
                name: tial
                work_dir: \(directory.path)
                train_file: \(Fixtures.path("training/tial8.xyz"))
                valid_fraction: 0.25
                \(extra)
                """, source: "run.yaml")
        }
        let factory: ExternalGradientEvaluatorFactory = { CPUGradientEvaluator(model: $0) }
        #expect {
            try Trainer(options: try options("loss: stress"), source: "run.yaml", evaluatorFactory: factory)
        } throws: { error in
            "\(error)" == "run.yaml: key 'loss': found 'stress'; expected weighted, ef or forces_only (or stress_weight 0): "
                + "the external evaluator (--device cuda) supports energy and force losses only, and this loss has "
                + "stress_weight 1.0 with stress labels in the data"
        }
        #expect {
            try Trainer(options: try options("loss: huber\nswa: true\nstart_swa: 1\nstress_weight: 0"), source: "run.yaml",
                        evaluatorFactory: factory)
        } throws: { error in
            "\(error)".hasPrefix("run.yaml: key 'loss': found 'huber'; expected weighted, ef or forces_only (or swa_stress_weight 0)")
        }
        #expect {
            try Trainer(options: try options("compute_stress: true"), source: "run.yaml", evaluatorFactory: factory)
        } throws: { error in
            "\(error)" == "run.yaml: key 'compute_stress': found 'true'; expected false: the external evaluator "
                + "(--device cuda) supports energy and force losses only"
        }
        _ = try Trainer(options: try options("loss: stress\nstress_weight: 0"), source: "run.yaml", evaluatorFactory: factory)
        #expect {
            try Trainer(options: try options("device: cuda"), source: "run.yaml")
        } throws: { error in
            "\(error)" == "run.yaml: key 'device': found 'cuda'; expected cpu: this build has no GPU trainer"
        }
    }

    @Test func cpuEvaluatorNeedsTheEvaluatedGraph() throws {
        let model = try MACEModel(contentsOf: Fixtures.url("training/ethanol12_initial.safetensors"))
        let configurations = try ExtXYZReader.read(contentsOf: Fixtures.url("training/ethanol12.xyz"))
        let first = try AtomicGraph(configurations: Array(configurations.prefix(1)), atomicNumbers: model.config.atomicNumbers,
                                    cutoff: model.config.rMax)
        let second = try AtomicGraph(configurations: [configurations[1]], atomicNumbers: model.config.atomicNumbers,
                                     cutoff: model.config.rMax)
        let evaluator = CPUGradientEvaluator(model: model)
        let outputs = try evaluator.evaluate(first)
        #expect(outputs.count == 1 && outputs[0].forces.count == 9)
        #expect(throws: TrainingError.invalidData("CPUGradientEvaluator.parameterGradients: evaluate this graph first")) {
            try evaluator.parameterGradients(second, energyCotangents: [1], forceCotangents: Array(repeating: .zero, count: 9))
        }
        let gradients = try evaluator.parameterGradients(first, energyCotangents: [1],
                                                         forceCotangents: Array(repeating: .zero, count: 9))
        #expect(gradients.map(\.count) == model.parameterValues.map(\.elementCount))
        #expect(gradients.joined().contains { $0 != 0 })
    }
}
