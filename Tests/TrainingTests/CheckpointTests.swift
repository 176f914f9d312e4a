// SwiftMACE, MIT licence.
// Checkpoints: resume is bit-identical (6 steps straight = 3 steps, save, load, 3 steps), the store's naming and
// pruning, and errors for corrupt files.

import Foundation
import MACE
import Tensors
import Testing
@testable import Training

/// A two-layer toy model: E(x) = Σ tanh(x W) · v, parameters named like mace's so the mace groups apply.
struct ToyModel: TrainableModel {
    var parameters: [NamedParameter]

    init() throws {
        var generator = PCG64(seed: 7)
        func values(_ count: Int) -> [Double] { (0..<count).map { _ in Double(generator.next() % 1000) / 500 - 1 } }
        parameters = [
            NamedParameter(name: "interactions.0.linear.weight", value: try Tensor(values(6), shape: [3, 2])),
            NamedParameter(name: "readouts.0.linear.weight", value: try Tensor(values(2), shape: [2, 1])),
        ]
    }

    func energy(_ x: Tensor) -> Tensor { matmul(tanh(matmul(x, parameters[0].value)), parameters[1].value).sum() }
}

@Suite struct CheckpointTests {
    private let samples: [(x: [Double], energy: Double)] = [
        ([0.1, 0.2, 0.3], 0.5), ([-0.4, 0.1, 0.9], -0.2), ([0.7, -0.3, 0.2], 0.1), ([0.0, 0.5, -0.5], 0.3),
    ]

    private func options() -> TrainingOptions {
        var options = TrainingOptions()
        options.name = "toy"
        options.lr = 0.05
        options.weightDecay = 0.01
        options.ema = true
        return options
    }

    private struct Run {
        var model: ToyModel
        var optimizer: Adam
        var ema: ExponentialMovingAverage?
        var schedule: EpochSchedule
        var generator: PCG64
    }

    private func start() throws -> Run {
        let model = try ToyModel()
        return Run(
            model: model, optimizer: try Adam(options: options(), parameterNames: model.parameters.map(\.name)),
            ema: ExponentialMovingAverage(parameters: model.parameters.map(\.value), decay: 0.99),
            schedule: EpochSchedule(options: options()), generator: PCG64(seed: 123))
    }

    private func train(_ run: inout Run, steps: Range<Int>) throws {
        for step in steps {
            let sample = samples[Int(run.generator.interval(UInt64(samples.count - 1)))]
            _ = run.schedule.beginEpoch(step, lastValidationLoss: Double(10 - step), optimizer: &run.optimizer)
            try TrainingStep.take(model: &run.model, optimizer: &run.optimizer, ema: &run.ema, maxGradNorm: 10) { model in
                (model.energy(try Tensor(sample.x, shape: [1, 3])) - sample.energy).squared()
            }
        }
    }

    private func bits(_ tensors: [Tensor]) -> [[UInt64]] { tensors.map { $0.toArray().map(\.bitPattern) } }

    @Test func resumeIsBitIdentical() throws {
        var straight = try start()
        try train(&straight, steps: 0..<6)

        var first = try start()
        try train(&first, steps: 0..<3)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-ckpt-\(UUID().uuidString)").path
        let store = CheckpointStore(directory: folder, tag: "toy_run-123")
        try store.saveLatest(Checkpoint(
            epoch: 3, bestValidationLoss: .infinity, parameters: first.model.parameters, optimizer: first.optimizer,
            ema: first.ema, schedule: first.schedule, generator: first.generator))
        let loaded = try store.load(try #require(try store.resumePath()))
        var model = try ToyModel()
        model.parameters = loaded.parameters
        var resumed = Run(model: model, optimizer: loaded.optimizer, ema: loaded.ema, schedule: loaded.schedule, generator: loaded.generator)
        #expect(loaded.epoch == 3 && loaded.bestValidationLoss == .infinity)
        try train(&resumed, steps: 3..<6)

        #expect(bits(resumed.model.parameters.map(\.value)) == bits(straight.model.parameters.map(\.value)))
        #expect(bits(try #require(resumed.ema).shadow) == bits(try #require(straight.ema).shadow))
        #expect(resumed.optimizer.learningRates == straight.optimizer.learningRates)
        #expect(resumed.schedule == straight.schedule)
        #expect(resumed.generator == straight.generator)
        #expect(bits(resumed.optimizer.state.compactMap { $0?.maxExpAvgSq }) == bits(straight.optimizer.state.compactMap { $0?.maxExpAvgSq }))
        // and training moved the parameters at all
        #expect(bits(straight.model.parameters.map(\.value)) != bits(try ToyModel().parameters.map(\.value)))
    }

    @Test func storeKeepsOnlyTheNewestImprovedCheckpointPerStage() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-store-\(UUID().uuidString)").path
        let run = try start()
        var checkpoint = Checkpoint(
            epoch: 0, bestValidationLoss: 1, parameters: run.model.parameters, optimizer: run.optimizer, ema: nil,
            schedule: run.schedule, generator: run.generator)
        let store = CheckpointStore(directory: folder, tag: "toy_run-1")
        for epoch in [1, 4] {
            checkpoint.epoch = epoch
            try store.saveImproved(checkpoint, stageTwo: false)
        }
        checkpoint.epoch = 9
        try store.saveImproved(checkpoint, stageTwo: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(files == ["toy_run-1_epoch-4.safetensors", "toy_run-1_epoch-9_swa.safetensors"])
        #expect(try store.bestPath() == folder + "/toy_run-1_epoch-9_swa.safetensors")
        #expect(try store.resumePath() == folder + "/toy_run-1_epoch-9_swa.safetensors")
        #expect(try store.load(folder + "/toy_run-1_epoch-4.safetensors").epoch == 4)

        let keeping = CheckpointStore(directory: folder, tag: "toy_run-1", keepAll: true)
        checkpoint.epoch = 5
        try keeping.saveImproved(checkpoint, stageTwo: false)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).count == 3)
    }

    @Test func corruptCheckpointsAreReported() throws {
        #expect(throws: TrainingError.invalidFile(
            path: "x.safetensors",
            reason: "not a safetensors file (x.safetensors: file ends early; expected an 8-byte header length; the file has 3 bytes)")) {
            _ = try Checkpoint(data: Data([1, 2, 3]), path: "x.safetensors")
        }
        var huge = Data([0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        huge.append(contentsOf: [UInt8]("{}".utf8))
        #expect(throws: TrainingError.invalidFile(
            path: "x.safetensors",
            reason: "not a safetensors file (x.safetensors: file ends early; expected a header of 4294967295 bytes; only 2 bytes follow the length)")) {
            _ = try Checkpoint(data: huge, path: "x.safetensors")
        }
        let plain = Data(SafetensorsWriter.encode(tensors: [("a", SafetensorsTensor(float64: [1, 2], shape: [2]))], metadata: [:]))
        #expect(throws: TrainingError.invalidFile(path: "x.safetensors", reason: "not a SwiftMACE training checkpoint")) {
            _ = try Checkpoint(data: plain, path: "x.safetensors")
        }
    }
}
