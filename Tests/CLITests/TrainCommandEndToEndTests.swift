// SwiftMACE, MIT licence.
// End-to-end tests of `swiftmace train` (mace_run_train): a YAML run with a flag overriding it, its outputs and
// printed test table, and a bad option (or --device cuda, until a GPU trainer is linked) rejected before any work
// with a message naming the key.

import Foundation
import Testing
import TestSupport

@Suite struct TrainCommandEndToEndTests {
    @Test func trainsFromYAMLWithFlagOverridesAndPrintsTestTable() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-train-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let yaml = folder.appendingPathComponent("run.yaml")
        try """
            name: cli
            work_dir: \(folder.path)
            train_file: Tests/Fixtures/training/ethanol12.xyz
            test_file: Tests/Fixtures/training/ethanol12.xyz
            valid_fraction: 0.25
            E0s: average
            hidden_irreps: 4x0e
            max_ell: 1
            correlation: 1
            num_interactions: 1
            radial_MLP: [4]
            MLP_irreps: 2x0e
            batch_size: 3
            max_num_epochs: 5
            """.write(to: yaml, atomically: true, encoding: .utf8)
        let run = try InfoCommandEndToEndTests.swiftmace(["train", "--config", yaml.path, "--max_num_epochs", "2"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("Epoch 1/2: loss="))
        #expect(!run.standardOutput.contains("Epoch 2/"))
        #expect(run.standardOutput.contains("|  ethanol12  |"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("cli.safetensors").path))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("results/cli_run-123_ethanol12_forces_parity.svg").path))
    }

    @Test func unknownFlagIsRejectedNamingTheKey() throws {
        let run = try InfoCommandEndToEndTests.swiftmace([
            "train", "--name", "x", "--train_file", "Tests/Fixtures/training/ethanol12.xyz", "--learning_rate", "0.1",
        ])
        #expect(run.status == 1)
        #expect(run.standardError == "error: command line: unknown key 'learning_rate'.\n")
    }

    @Test(.enabled(if: !FileManager.default.fileExists(atPath: "/proc/driver/nvidia/version")))
    func cudaDeviceWithoutADriverFailsClearly() throws {
        let run = try InfoCommandEndToEndTests.swiftmace([
            "train", "--name", "x", "--train_file", "Tests/Fixtures/training/ethanol12.xyz", "--E0s", "average",
            "--device", "cuda", "--work_dir", FileManager.default.temporaryDirectory.appendingPathComponent("no-gpu-train").path,
        ])
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("error: CUDA driver not available: "))
    }
}
