// SwiftMACE, MIT licence.
// `swiftmace selftest [--device cuda|cpu]`: the backend checks that CI cannot run (the GPU machine has no
// toolchain), printed as PASS/FAIL lines; exits 1 on any failure or when the asked device is missing.

import ArgumentParser
import CUDA
import EquivarianceCUDA
import Foundation
import MACECUDA

struct SelftestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check the compute backend: CPU checks, then on --device cuda the driver, NVRTC and its cache, "
            + "kernels against the CPU, cuBLAS GEMM per dtype, graph replay and allocator accounting, and the "
            + "generated equivariant kernels (conv_tp, symmetric contraction) against the float64 reference, and the MACE "
            + "model on the GPU against the CPU model (fixture models from --fixtures).")

    enum DeviceChoice: String, ExpressibleByArgument, CaseIterable {
        case cpu, cuda
    }

    @Option(help: "Backend to check: cuda (needs an NVIDIA GPU and driver) or cpu.")
    var device: DeviceChoice = .cuda

    @Option(help: ArgumentHelp("Folder with the fixture models and structures of the MACE model check "
        + "(Tests/Fixtures/mace plus water_192.xyz); default Tests/Fixtures/mace when it exists."))
    var fixtures: String?

    enum Group: String, ExpressibleByArgument, CaseIterable {
        case backend, kernels, model, training
    }

    @Option(parsing: .upToNextOption, help: ArgumentHelp(
        "GPU check groups to run (default all): backend (driver, NVRTC, cuBLAS, graphs, allocator), kernels (generated "
            + "equivariant kernels), model (the MACE model per precision policy), training (loss parameter gradients "
            + "against the CPU model)."))
    var groups: [Group] = Group.allCases

    func run() throws {
        var results = CPUSelftest.run { Self.emit($0.line) }
        if device == .cuda {
            let context: CUDAContext
            do {
                context = try CUDAContext.shared()
            } catch {
                FileHandle.standardError.write(
                    Data("error: \(error)\nThe CUDA checks need an NVIDIA GPU; `--device cpu` runs the CPU checks.\n".utf8))
                throw ExitCode.failure
            }
            if groups.contains(.backend) { results += GPUSelftest.run(context: context) { Self.emit($0.line) } }
            if groups.contains(.kernels) {
                results += EquivariantKernelSelftest.run(context: context) { Self.emit($0.line) }
            }
            let folder = fixtures ?? "Tests/Fixtures/mace"
            let modelGroups = groups.contains(.model) || groups.contains(.training)
            if !modelGroups {
                Self.emit("SKIP MACE model and training: not in --groups")
            } else if FileManager.default.fileExists(atPath: folder) {
                let url = URL(fileURLWithPath: folder)
                if groups.contains(.model) {
                    results += MACEModelSelftest.run(
                        context: context, folder: url, report: { Self.emit($0.line) }, table: Self.emit)
                }
                if groups.contains(.training) {
                    results += WeightGradientCheck.run(context: context) { Self.emit($0.line) }
                    results += MACETrainingSelftest.run(context: context, folder: url) { Self.emit($0.line) }
                }
            } else if let fixtures {
                results.append(SelftestResult(name: "MACE model", passed: false, detail: "no folder '\(fixtures)'"))
                Self.emit(results[results.count - 1].line)
            } else {
                Self.emit("SKIP MACE model: no Tests/Fixtures/mace here; pass --fixtures DIR")
            }
        }
        let failed = results.filter { !$0.passed }.count
        Self.emit("selftest (\(device.rawValue)): \(results.count - failed) passed, \(failed) failed")
        if failed > 0 { throw ExitCode.failure }
    }

    /// Writes a line to stdout unbuffered: each result is visible at once even when piped, and survives a crash.
    private static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
