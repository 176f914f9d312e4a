// SwiftMACE, MIT licence.
// End-to-end tests of `swiftmace eval` (mace_eval_configs): output keys, values against mace-torch fixtures,
// error tables, atomic output and errors.

import Foundation
import Testing
import TestSupport

@testable import Atoms

@Suite struct EvalCommandEndToEndTests {
    private static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// mace-torch's energy, forces and stress for one fixture structure.
    private static func reference(_ name: String) throws -> (energy: Double, forces: [Double], stress: [Double]?) {
        let json = try JSONSerialization.jsonObject(with: try Fixtures.data("mace/\(name).json")) as? [String: Any]
        let outputs = try #require(json?["outputs"] as? [String: Any])
        let energy = try #require((outputs["energy"] as? [Double])?.first)
        let forces = try #require((outputs["forces"] as? [[Double]])?.flatMap { $0 })
        let stress = (outputs["stress"] as? [[[Double]]])?.first?.flatMap { $0 }
        return (energy, forces, stress)
    }

    @Test func writesMACEEnergyForcesAndStressMatchingMaceTorch() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.xyz").path
        let run = try InfoCommandEndToEndTests.swiftmace([
            "eval", "--model", "Tests/Fixtures/mace/l2_tial.safetensors",
            "--configs", "Tests/Fixtures/mace/tial2_self_images.xyz", "--output", output, "--compute_stress",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("wrote 1 configurations to \(output)"))
        let written = try ExtXYZReader.read(contentsOf: URL(fileURLWithPath: output))
        let frame = try #require(written.first)
        let energy = try #require(frame.info["MACE_energy"]?.doubleValue)
        let forces = try #require(frame.arrays["MACE_forces"])
        let stress = try #require(frame.info["MACE_stress"]?.doublesValue)
        // The .xyz positions carry 8 decimals; mace-torch ran on the full-precision positions of the JSON.
        let expected = try Self.reference("l2_tial__tial2_self_images")
        #expect(abs(energy - expected.energy) <= 1e-6 * abs(expected.energy))
        guard case .reals(let values) = forces.values else { Issue.record("MACE_forces is not real"); return }
        #expect(zip(values, expected.forces).allSatisfy { abs($0 - $1) < 1e-5 })
        let expectedStress = try #require(expected.stress)
        #expect(zip(stress, expectedStress).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func printsErrorTablesForLabelledInput() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try InfoCommandEndToEndTests.swiftmace([
            "eval", "--model", "Tests/Fixtures/training/ethanol12_initial.safetensors", "--configs",
            "Tests/Fixtures/training/ethanol12.xyz", "--output", folder.appendingPathComponent("o.xyz").path,
            "--batch_size", "5", "--dtype", "float32",
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("| config_type | RMSE E / meV / atom | RMSE F / meV / A | relative F RMSE % |"))
        #expect(run.standardOutput.contains("| config_type | MAE E / meV / atom | MAE F / meV / A | relative F MAE % |"))
        #expect(run.standardOutput.contains("wrote 12 configurations"))
    }

    @Test func unknownElementFailsAndWritesNothing() throws {
        let folder = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = folder.appendingPathComponent("out.xyz")
        let run = try InfoCommandEndToEndTests.swiftmace([
            "eval", "--model", "Tests/Fixtures/mace/default_hcno.safetensors",
            "--configs", "Tests/Fixtures/mace/tial2_self_images.xyz", "--output", output.path,
        ])
        #expect(run.status == 1)
        #expect(run.standardError == "error: element Ti (Z = 22) is not in the model; the model has H, C, N, O\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }

    @Test func missingModelIsANamedError() throws {
        let run = try InfoCommandEndToEndTests.swiftmace([
            "eval", "--model", "missing.safetensors", "--configs", "Tests/Fixtures/mace/ethanol.xyz", "--output", "x.xyz",
        ])
        #expect(run.status == 1)
        #expect(run.standardError == "error: missing.safetensors: cannot read: no such file\n")
    }
}
