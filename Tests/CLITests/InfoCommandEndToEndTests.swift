// SwiftMACE, MIT licence.
// End-to-end tests of `swiftmace info`: runs the built binary and checks its output, errors and exit codes.

import Foundation
import Testing
import TestSupport

@Suite struct InfoCommandEndToEndTests {
    struct Run {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// The `swiftmace` binary SwiftPM built beside the test bundle (on Linux the bundle URL is the products folder;
    /// on macOS it is the `.xctest` bundle inside it).
    static let binary: URL = {
        let bundle = Bundle.main.bundleURL
        let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("swiftmace") }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
    }()

    /// Runs the `swiftmace` binary with `arguments` in the repository root.
    static func swiftmace(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = Fixtures.repositoryRoot
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    @Test func summarisesBundledRMD17Ethanol() throws {
        let run = try Self.swiftmace(["info", "data/rmd17/rmd17_ethanol_test_01.npz"])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("configurations  1000"))
        #expect(run.standardOutput.contains("elements        H: 6000, C: 2000, O: 1000"))
        #expect(run.standardOutput.contains("labels          energy: 1000, forces: 1000, stress: 0, virials: 0"))
        #expect(run.standardOutput.contains("8.00 per atom within r_max = 5 Å"))
    }

    /// Parses `swiftmace info --json` output into one dictionary per path.
    static func summaries(_ arguments: [String]) throws -> [[String: Any]] {
        let run = try swiftmace(["info", "--json"] + arguments)
        #expect(run.status == 0, "\(run.standardError)")
        return try #require(try JSONSerialization.jsonObject(with: Data(run.standardOutput.utf8)) as? [[String: Any]])
    }

    @Test func readsEveryFormatAndReportsLabelsAsJSON() throws {
        let tial = try Self.summaries([
            "--r_max", "6", "--forces_key", "force", "--virials_key", "virial", "Tests/Fixtures/atoms/extxyz/tial_head.xyz",
        ])
        #expect((tial[0]["labels"] as? [String: Int]) == ["energy": 3, "forces": 3, "stress": 0, "virials": 3])
        #expect((tial[0]["rMax"] as? Double) == 6)
        let others = try Self.summaries([
            "Tests/Fixtures/atoms/numpy/deepmd/water", "Tests/Fixtures/atoms/numpy/pymatgen/Si_training_excerpt.json",
        ])
        // 3 water frames with forces, and a 1-frame non-periodic system with energy and virials only.
        #expect((others[0]["labels"] as? [String: Int]) == ["energy": 4, "forces": 3, "stress": 0, "virials": 1])
        #expect((others[0]["elementOrder"] as? [String]) == ["H", "O"])
        #expect((others[1]["labels"] as? [String: Int]) == ["energy": 3, "forces": 3, "stress": 3, "virials": 0])
    }

    @Test func explicitKeyThatIsAbsentIsAnError() throws {
        let run = try Self.swiftmace(["info", "--virials_key", "virial", "Tests/Fixtures/atoms/numpy/deepmd/water"])
        #expect(run.status == 1)
        #expect(run.standardError.hasPrefix("error: Tests/Fixtures/atoms/numpy/deepmd/water/data_0/set.000: missing 'virial.npy'"))
    }

    @Test func missingFileIsAnErrorWithExitCodeOne() throws {
        let run = try Self.swiftmace(["info", "no-such-file.xyz"])
        #expect(run.status == 1)
        #expect(run.standardError == "error: no-such-file.xyz: cannot read: no such file or folder\n")
        #expect(run.standardOutput.isEmpty)
    }

    @Test func malformedFileNamesFileAndLine() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.xyz")
        try "2\nenergy=1.0\nC 0 0 0\nZz 1 1 1\n".write(to: file, atomically: true, encoding: .utf8)
        let run = try Self.swiftmace(["info", file.path])
        #expect(run.status == 1)
        #expect(run.standardError == "error: \(file.path):4: unknown element 'Zz'\n")
    }

    @Test func invalidCutoffIsAUsageError() throws {
        let run = try Self.swiftmace(["info", "--r_max=0", "data/rmd17/rmd17_ethanol_test_01.npz"])
        #expect(run.status == 64)
        #expect(run.standardError.contains("--r_max must be a positive number of Å; got '0.0'"))
    }
}
