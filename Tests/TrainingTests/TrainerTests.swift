// SwiftMACE, MIT licence.
// The training loop on a tiny MACE model and the ethanol12 fixture: outputs of a 3-epoch run, exact resume (2 + 1
// epochs equal 3 straight, also after a mid-epoch interruption), the NaN-loss stop, data checks naming the key, and
// the training-set statistics against mace-torch's.

import Atoms
import Foundation
import MACE
import Testing
import TestSupport
import Training

@Suite struct TrainerTests {
    /// A fresh work directory and tiny-model options on ethanol12 (9 train / 3 valid configurations).
    static func options(_ extra: String = "") throws -> (options: TrainingOptions, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let yaml = """
            name: tiny
            work_dir: \(directory.path)
            train_file: \(Fixtures.path("training/ethanol12.xyz"))
            valid_fraction: 0.25
            E0s: average
            hidden_irreps: 4x0e+4x1o
            max_ell: 1
            correlation: 2
            r_max: 4.0
            radial_MLP: [8]
            MLP_irreps: 4x0e
            batch_size: 3
            valid_batch_size: 3
            max_num_epochs: 3
            ema: true
            \(extra)
            """
        return (try TrainingOptions.load(yaml: yaml, source: "run.yaml"), directory)
    }

    @Test func threeEpochRunWritesEveryOutput() throws {
        let (options, directory) = try Self.options()
        defer { try? FileManager.default.removeItem(at: directory) }
        var lines: [String] = []
        let outcome = try Trainer(options: options, source: "run.yaml") { lines.append($0) }.run()
        #expect(outcome.epochsRun == 3 && !outcome.interrupted)
        #expect(lines.filter { $0.hasPrefix("Epoch ") }.count == 3)
        #expect(lines.contains { $0.hasPrefix("Epoch 2/3: loss=") && $0.contains("RMSE_F=") && $0.contains("ETA") })
        let files = Set(try FileManager.default.subpathsOfDirectory(atPath: directory.path))
        for file in ["tiny.safetensors", "checkpoints/tiny_run-123_latest.safetensors", "results/tiny_run-123_train.txt",
                     "results/tiny_run-123_learning_curve.svg", "results/tiny_run-123_valid_forces_parity.svg"] {
            #expect(files.contains(file), "\(file) missing")
        }
        let log = try String(contentsOf: directory.appendingPathComponent("results/tiny_run-123_train.txt"), encoding: .utf8)
        #expect(log.split(separator: "\n").filter { $0.contains("\"mode\": \"eval\"") }.count == 3)
        #expect(outcome.tables.count == 1 && outcome.tables[0].contains("|    valid    |"))
        // The final model is an ordinary model file: it loads and evaluates.
        let model = try MACEModel(contentsOf: directory.appendingPathComponent("tiny.safetensors"))
        #expect(model.config.atomicNumbers == [1, 6, 8])
    }

    @Test func resumedRunEqualsStraightRun() throws {
        let (straightOptions, straightDirectory) = try Self.options()
        let (partOptions, partDirectory) = try Self.options()
        defer {
            try? FileManager.default.removeItem(at: straightDirectory)
            try? FileManager.default.removeItem(at: partDirectory)
        }
        _ = try Trainer(options: straightOptions, source: "run.yaml") { _ in }.run()
        var first = partOptions
        first.maxNumEpochs = 2
        _ = try Trainer(options: first, source: "run.yaml") { _ in }.run()
        // Interrupt the third epoch after one step, then resume and finish it.
        var calls = 0
        var second = try Trainer(options: partOptions.with { $0.restartLatest = true }, source: "run.yaml") { _ in }
        second.shouldStop = {
            calls += 1
            return calls == 2
        }
        #expect(try second.run().interrupted)
        let outcome = try Trainer(options: partOptions.with { $0.restartLatest = true }, source: "run.yaml") { _ in }.run()
        #expect(outcome.epochsRun == 1)
        let straight = try Data(contentsOf: straightDirectory.appendingPathComponent("tiny.safetensors"))
        let resumed = try Data(contentsOf: partDirectory.appendingPathComponent("tiny.safetensors"))
        #expect(straight == resumed)
        let latest = "checkpoints/tiny_run-123_latest.safetensors"
        let straightState = try CheckpointStore(options: straightOptions).load(straightDirectory.appendingPathComponent(latest).path)
        let resumedState = try CheckpointStore(options: partOptions).load(partDirectory.appendingPathComponent(latest).path)
        #expect(straightState.parameters.map { $0.value.toArray() } == resumedState.parameters.map { $0.value.toArray() })
        #expect(straightState.ema?.shadow.map { $0.toArray() } == resumedState.ema?.shadow.map { $0.toArray() })
        #expect(straightState.generator == resumedState.generator && straightState.schedule == resumedState.schedule)
    }

    @Test func nonFiniteLossStopsAndKeepsLastGoodCheckpoint() throws {
        let (options, directory) = try Self.options("lr: 1.0e+30\nclip_grad: null")
        defer { try? FileManager.default.removeItem(at: directory) }
        let latest = directory.appendingPathComponent("checkpoints/tiny_run-123_latest.safetensors").path
        do {
            _ = try Trainer(options: options, source: "run.yaml") { _ in }.run()
            Issue.record("expected the run to stop")
        } catch let error as TrainingError {
            #expect("\(error)".hasPrefix("training stopped: the loss is NaN (gradient norm NaN) at epoch 0, batch "))
            #expect("\(error)".hasSuffix("try a smaller lr. The last good checkpoint is \(latest)"))
        }
        let checkpoint = try CheckpointStore(options: options).load(latest)
        #expect(checkpoint.parameters.allSatisfy { $0.value.toArray().allSatisfy(\.isFinite) })
    }

    @Test func validElementAbsentFromTrainNamesTheKey() throws {
        let (base, directory) = try Self.options()
        defer { try? FileManager.default.removeItem(at: directory) }
        let valid = directory.appendingPathComponent("valid.xyz")
        let text = try String(contentsOf: Fixtures.url("training/ethanol12.xyz"), encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[2] = "Cl" + lines[2].drop { $0 != " " }
        try lines.joined(separator: "\n").write(to: valid, atomically: true, encoding: .utf8)
        var options = base
        options.validFile = valid.path
        #expect {
            try Trainer(options: options, source: "run.yaml")
        } throws: { error in
            "\(error)" == "run.yaml: key 'valid_file': found '\(valid.path) (configuration 0 has element Cl)'; "
                + "expected only elements of train_file (H, C, O)"
        }
        options.validFile = directory.appendingPathComponent("missing.xyz").path
        #expect {
            try Trainer(options: options, source: "run.yaml")
        } throws: { error in
            "\(error)" == "run.yaml: key 'valid_file': found '\(options.validFile ?? "")'; expected an existing file or folder"
        }
    }

    @Test func statisticsMatchMaceTorch() throws {
        var (options, directory) = try Self.options()
        defer { try? FileManager.default.removeItem(at: directory) }
        options.validFile = Fixtures.path("training/ethanol12.xyz")  // train on all 12, as the fixture did
        options.rMax = 4
        options.e0s = .values([1: -13.568422383046626, 6: -1025.2770951782686, 8: -2035.5709809589698])
        let trainer = try Trainer(options: options, source: "run.yaml") { _ in }
        let statistics = try TrainingStatistics(options: options, data: trainer.data, source: "run.yaml")
        let reference = try SafetensorsTestReader(contentsOf: Fixtures.url("training/ethanol12_initial.safetensors"))
        #expect(statistics.avgNumNeighbors == 7.944444444444445)
        #expect(abs(statistics.scale - (try reference.doubles("scale_shift.scale").values[0])) <= 1e-14)
        #expect(abs(statistics.mean - (try reference.doubles("scale_shift.shift").values[0])) <= 1e-12)
    }
}

extension TrainingOptions {
    /// A copy with `change` applied.
    func with(_ change: (inout TrainingOptions) -> Void) -> TrainingOptions {
        var copy = self
        change(&copy)
        return copy
    }
}
