// SwiftMACE, MIT licence.
// TrainingOptions: mace's defaults, YAML + command-line loading with flags winning, and exact error texts.

import Foundation
import Testing
@testable import Training

@Suite struct TrainingOptionsTests {
    private func yamlFile(_ text: String, name: String = "config.yaml") throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-options-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func error(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }

    @Test func defaultsAreMaceTorchs() throws {
        let table = Dictionary(uniqueKeysWithValues: TrainingOptions.table.map { ($0.name, $0) })
        let expected = [
            "seed": "123", "lr": "0.01", "weight_decay": "5e-07", "forces_weight": "100.0", "energy_weight": "1.0",
            "swa_energy_weight": "1000.0", "swa_lr": "0.001", "batch_size": "10", "max_num_epochs": "2048",
            "scheduler": "ReduceLROnPlateau", "lr_factor": "0.8", "scheduler_patience": "50",
            "lr_scheduler_gamma": "0.9993", "ema_decay": "0.99", "clip_grad": "10.0", "amsgrad": "true",
            "radial_MLP": "[64, 64, 64]", "MLP_irreps": "16x0e", "r_max": "5.0", "num_radial_basis": "8",
            "num_cutoff_basis": "5", "max_ell": "3", "correlation": "3", "num_interactions": "2",
            "energy_key": "REF_energy", "E0s": "null", "valid_fraction": "0.1", "error_table": "PerAtomRMSE",
            "config_type_weights": "{\"Default\": 1.0}", "huber_delta": "0.01", "beta": "0.9",
        ]
        for (name, value) in expected {
            #expect(table[name]?.defaultText == value, "\(name)")
        }
        #expect(table["lr"]?.field == "lr")
        #expect(table["r_max"]?.field == "rMax")
        #expect(table["E0s"]?.expectation.hasPrefix("'average', a .json file") == true)
        #expect(Set(TrainingOptions.table.map(\.name)).count == TrainingOptions.table.count)
    }

    @Test func flagsOverrideTheFile() throws {
        let path = try yamlFile("""
            name: run
            train_file: train.xyz
            lr: 0.005
            radial_MLP: [32, 32]
            E0s: {1: -13.6, 8: -2041.9}
            stage_two: true
            config_type_weights: {Default: 1.0, bulk: 2.5}
            hidden_irreps: '64x0e + 64x1o'
            """)
        let options = try TrainingOptions.load(
            yamlFile: path, arguments: ["--lr", "0.002", "--ema", "--batch_size=4", "--clip_grad", "None", "--E0s", "average"])
        #expect(options.lr == 0.002)
        #expect(options.ema)
        #expect(options.batchSize == 4)
        #expect(options.clipGrad == nil)
        #expect(options.e0s == .average)
        #expect(options.radialMLP == [32, 32])
        #expect(options.swa && options.stageTwoEnabled && options.stageTwoStartEpoch == 1536)
        #expect(options.configTypeWeights == ["Default": 1.0, "bulk": 2.5])
        #expect(options.resolvedHiddenIrreps == "64x0e + 64x1o")
        #expect(options.tag == "run_run-123")
        #expect(options.resolvedCheckpointsDir == "./checkpoints")
        let fromFile = try TrainingOptions.load(yamlFile: path)
        #expect(fromFile.e0s == .values([1: -13.6, 8: -2041.9]))
    }

    @Test func yamlTextLoadsBackToTheSameOptions() throws {
        var options = TrainingOptions()
        options.name = "it's"
        options.trainFile = "data/train file.xyz"
        options.e0s = .values([6: -1029.5])
        options.hiddenIrreps = "32x0e + 32x1o"
        options.startSwa = 7
        let path = try yamlFile(options.yamlText)
        #expect(try TrainingOptions.load(yamlFile: path) == options)
    }

    @Test func unknownKeySuggestsTheNearestName() throws {
        #expect(error { _ = try TrainingOptions.load(yaml: "name: a\ntrain_file: t.xyz\nforces_weigth: 10\n", source: "config.yaml") }
            == "config.yaml: unknown key 'forces_weigth'. Did you mean 'forces_weight'?")
        #expect(error { _ = try TrainingOptions.load(arguments: ["--name", "a", "--train_file", "t", "--zzzzzzzz", "1"]) }
            == "command line: unknown key 'zzzzzzzz'.")
    }

    @Test func wrongTypesAndImpossibleValuesNameTheKey() throws {
        let base = ["--name", "a", "--train_file", "t.xyz"]
        #expect(error { _ = try TrainingOptions.load(yaml: "name: a\ntrain_file: t.xyz\nlr: abc\n", source: "config.yaml") }
            == "config.yaml: key 'lr': found 'abc'; expected a number")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--lr", "-0.01"]) }
            == "command line: key 'lr': found '-0.01'; expected a positive number")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--batch_size", "0"]) }
            == "command line: key 'batch_size': found '0'; expected an integer >= 1")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--batch_size", "2.5"]) }
            == "command line: key 'batch_size': found '2.5'; expected an integer")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--hidden_irreps", "128x0q"]) }
            == "command line: key 'hidden_irreps': found '128x0q'; expected irreps such as '128x0e + 128x1o'")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--optimizer", "sgd"]) }
            == "command line: key 'optimizer': found 'sgd'; expected one of 'adam', 'adamw'")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--valid_fraction", "1"]) }
            == "command line: key 'valid_fraction': found '1.0'; expected a number between 0 and 1 (exclusive)")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--radial_MLP", "[64, x]"]) }
            == "command line: key 'radial_MLP': found '[64, x]'; expected a list of integers such as [64, 64, 64]")
        #expect(error { _ = try TrainingOptions.load(arguments: base + ["--ema", "maybe"]) }
            == "command line: key 'ema': found 'maybe'; expected true or false")
    }

    @Test func missingTrainFileIsReported() throws {
        #expect(error { _ = try TrainingOptions.load(yaml: "name: a\n", source: "config.yaml") }
            == "config.yaml: missing required key 'train_file'")
        #expect(error { _ = try TrainingOptions.load(arguments: ["--name", "a"]) }
            == "command line: missing required key 'train_file'")
    }

    @Test func hiddenIrrepsFollowMaceCheckArgs() {
        var options = TrainingOptions()
        #expect(options.resolvedHiddenIrreps == "128x0e + 128x1o")
        options.numChannels = 32
        options.maxL = 2
        options.hiddenIrreps = "8x0e"
        #expect(options.resolvedHiddenIrreps == "32x0e + 32x1o + 32x2e")
        options.maxL = nil
        #expect(options.resolvedHiddenIrreps == "32x0e + 32x1o")
    }

    @Test func editDistanceCountsTranspositionsAsOne() {
        #expect(EditDistance.between("forces_weigth", "forces_weight") == 1)
        #expect(EditDistance.between("bacth_size", "batch_size") == 1 && EditDistance.between("lr", "lrx") == 1)
        #expect(EditDistance.between("", "abc") == 3)
    }
}
