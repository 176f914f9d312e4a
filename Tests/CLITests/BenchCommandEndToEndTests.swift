// SwiftMACE, MIT licence.
// End-to-end tests of `swiftmace bench` and of the CUDA model's command-line errors on a machine without a GPU
// (the GPU paths themselves run in `swiftmace selftest --device cuda` on the GPU machine).

import Foundation
import Testing
import TestSupport

@Suite struct BenchCommandEndToEndTests {
    /// Whether this machine has an NVIDIA driver (then the no-GPU error tests do not apply).
    private static let hasDriver = FileManager.default.fileExists(atPath: "/proc/driver/nvidia/version")

    @Test func cpuBenchPrintsEndToEndFiguresAndJSON() throws {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let run = try InfoCommandEndToEndTests.swiftmace([
            "bench", "--model", "Tests/Fixtures/mace/scalar_hco.safetensors", "--system", "Tests/Fixtures/mace/ethanol.xyz",
            "--device", "cpu", "--dtype", "float64", "--repeats", "2", "--warmup", "0", "--json", json.path,
        ])
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardOutput.contains("9 atoms, 72 edges"))
        #expect(run.standardOutput.contains("energy + forces: median"))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        #expect(report?["atoms"] as? Int == 9)
        #expect(report?["precision"] as? String == "float64", "--dtype float64 names the float64 policy")
        #expect((report?["end_to_end_median_ms"] as? Double ?? 0) > 0)
    }

    @Test func replicateNeedsAPeriodicStructure() throws {
        let run = try InfoCommandEndToEndTests.swiftmace([
            "bench", "--model", "Tests/Fixtures/mace/scalar_hco.safetensors", "--system", "Tests/Fixtures/mace/ethanol.xyz",
            "--device", "cpu", "--replicate", "2",
        ])
        #expect(run.status == 1)
        #expect(run.standardError.contains(
            "error: Tests/Fixtures/mace/ethanol.xyz: --replicate needs a structure periodic in all directions with a cell"))
    }

    @Test func badDTypeIsAUsageError() throws {
        let run = try InfoCommandEndToEndTests.swiftmace([
            "bench", "--model", "m.safetensors", "--system", "s.xyz", "--dtype", "float16",
        ])
        #expect(run.status == 64)
        #expect(run.standardError.contains("--dtype must be 'float64' or 'float32'; got 'float16'"))
    }

    @Test func unknownPrecisionIsAUsageErrorListingTheNames() throws {
        let run = try InfoCommandEndToEndTests.swiftmace([
            "bench", "--model", "m.safetensors", "--system", "s.xyz", "--precision", "bfloat16",
        ])
        #expect(run.status == 64)
        #expect(run.standardError.contains(
            "--precision: unknown precision 'bfloat16'; expected one of float64, float32, tf32, bf16-linear, "
                + "fp16-linear, bf16"))
    }

    @Test func theCPURunsOnlyFloat64AndFloat32() throws {
        let bench = try InfoCommandEndToEndTests.swiftmace([
            "bench", "--model", "m.safetensors", "--system", "s.xyz", "--device", "cpu", "--precision", "tf32",
        ])
        #expect(bench.status == 64)
        #expect(bench.standardError.contains(
            "--precision tf32 runs only with --device cuda; the CPU runs float64 and float32"))
        let eval = try InfoCommandEndToEndTests.swiftmace([
            "eval", "--model", "m.safetensors", "--configs", "c.xyz", "--output", "o.xyz", "--precision", "bf16-linear",
        ])
        #expect(eval.status == 64)
        #expect(eval.standardError.contains(
            "--precision bf16-linear runs only with --device cuda; the CPU runs float64 and float32"))
    }

    @Test func dtypeMustAgreeWithPrecision() throws {
        let run = try InfoCommandEndToEndTests.swiftmace([
            "bench", "--model", "m.safetensors", "--system", "s.xyz", "--dtype", "float64", "--precision", "fp16-linear",
        ])
        #expect(run.status == 64)
        #expect(run.standardError.contains(
            "--dtype float64 contradicts --precision fp16-linear, which runs float32; give --precision alone"))
    }

    @Test(.enabled(if: !hasDriver)) func cudaWithoutADriverFailsClearly() throws {
        let bench = try InfoCommandEndToEndTests.swiftmace([
            "bench", "--model", "Tests/Fixtures/mace/scalar_hco.safetensors", "--system", "Tests/Fixtures/mace/ethanol.xyz",
            "--device", "cuda",
        ])
        #expect(bench.status == 1)
        #expect(bench.standardError.hasPrefix("error: CUDA driver not available: "))
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString).xyz")
        let eval = try InfoCommandEndToEndTests.swiftmace([
            "eval", "--model", "Tests/Fixtures/mace/scalar_hco.safetensors", "--configs", "Tests/Fixtures/mace/ethanol.xyz",
            "--output", output.path, "--device", "cuda", "--precision", "bf16-linear",
        ])
        #expect(eval.status == 1)
        #expect(eval.standardError.hasPrefix("error: CUDA driver not available: "))
        #expect(!FileManager.default.fileExists(atPath: output.path), "nothing written")
    }
}
