// SwiftMACE, MIT licence.
// `swiftmace eval`: mace-torch's `mace_eval_configs`. Evaluates a model on configurations and writes MACE_energy,
// MACE_forces (and MACE_stress) into an extxyz that ASE reads; prints error tables when the input has labels.

import ArgumentParser
import Atoms
import Foundation
import CUDA
import MACE
import MACECUDA
import Tensors
import Training

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a model: write MACE_energy, MACE_forces (and MACE_stress) to an extxyz file.")

    @Option(help: "Model file (.safetensors, e.g. from tools/export_mace_torch.py or swiftmace train).")
    var model: String

    @Option(help: "Configurations: extxyz, rMD17 npz, pymatgen JSON or a DeePMD folder.")
    var configs: String

    @Option(help: "Output extxyz file, written atomically.")
    var output: String

    @Option(name: [.customLong("dtype"), .customLong("default_dtype")], help: ArgumentHelp(
        "float64 (default) or float32 (the policy of that name; --precision supersedes it)."))
    var dtype: String?

    @Option(help: ArgumentHelp("Precision policy: float64, float32, tf32, bf16-linear, fp16-linear or bf16 (the last "
        + "four with --device cuda only)."))
    var precision: String?

    @Option(name: [.customLong("batch_size"), .customLong("batch-size")], help: "Configurations per batch.")
    var batchSize: Int = 64

    @Flag(name: [.customLong("compute_stress"), .customLong("compute-stress")], help: "Also compute MACE_stress.")
    var computeStress = false

    @Option(help: "cpu or cuda (an NVIDIA GPU).")
    var device: String = "cpu"

    @OptionGroup var keys: PropertyKeyOptions

    /// The policy of `--precision` / `--dtype` (float64 when neither is given).
    func policy() throws -> PrecisionPolicy {
        try PrecisionOption.resolve(precision: precision, dtype: dtype, device: device, fallback: .float64)
    }

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch_size must be positive; got '\(batchSize)'") }
        guard ["cpu", "cuda"].contains(device) else {
            throw ValidationError("--device must be 'cpu' or 'cuda'; got '\(device)'")
        }
        _ = try policy()
    }

    func run() throws {
        let started = Date()
        let policy = try policy()
        let mace = try MACEModel(contentsOf: URL(fileURLWithPath: model), dtype: policy.dtype)
        let gpu = device == "cuda"
            ? try CUDAMACEModel(model: mace, context: CUDAContext.shared(), precision: policy) : nil
        var configurations = try DatasetReader.read(path: configs, keys: keys.propertyKeys).configurations
        guard !configurations.isEmpty else { throw CommandError("\(configs): no configurations to evaluate") }

        var outputs: [MACEOutput] = []
        outputs.reserveCapacity(configurations.count)
        for start in stride(from: 0, to: configurations.count, by: batchSize) {
            let batch = Array(configurations[start..<min(start + batchSize, configurations.count)])
            outputs += try gpu?.evaluate(batch, computeStress: computeStress) ?? mace.evaluate(batch, computeStress: computeStress)
            if configurations.count > batchSize {
                FileHandle.standardError.write(Data("\revaluated \(start + batch.count)/\(configurations.count)".utf8))
            }
        }
        if configurations.count > batchSize { FileHandle.standardError.write(Data("\n".utf8)) }

        if let tables = try Self.errorTables(configurations: configurations, outputs: outputs) { print(tables) }
        for index in configurations.indices {
            let result = outputs[index]
            configurations[index].info["MACE_energy"] = .double(result.energy)
            configurations[index].arrays["MACE_forces"] = PerAtomColumn(
                width: 3, values: .reals(result.forces.flatMap { [$0.x, $0.y, $0.z] }))
            if computeStress, let stress = result.stress {
                configurations[index].info["MACE_stress"] = .doubles(stress.rowMajor)
            }
        }
        try ExtXYZWriter.write(configurations, to: output, keys: keys.propertyKeys)
        let seconds = Date().timeIntervalSince(started)
        print("wrote \(configurations.count) configurations to \(output) (\(String(format: "%.2f", seconds)) s)")
    }

    /// mace-style per-config-type tables of energy-per-atom and force errors, when the input carries energies or forces.
    static func errorTables(configurations: [Configuration], outputs: [MACEOutput]) throws -> String? {
        guard configurations.contains(where: { $0.energy != nil || $0.forces != nil }) else { return nil }
        let labels = try LabelBatch(configurations: configurations)
        let predictions = Predictions(
            energies: try Tensor(outputs.map(\.energy), shape: [outputs.count]),
            forces: try Tensor(
                outputs.flatMap { $0.forces.flatMap { [$0.x, $0.y, $0.z] } }, shape: [labels.numAtoms.reduce(0, +), 3]))
        let types = Array(Set(configurations.map(\.configType))).sorted()
        var rows: [(name: String, metrics: EvaluationMetrics)] = []
        for type in types {
            var accumulator = MetricsAccumulator(configType: type)
            accumulator.add(labels: labels, predictions: predictions, loss: 0)
            rows.append((type, accumulator.compute()))
        }
        return ErrorTable.render(.perAtomRMSE, rows: rows) + "\n" + ErrorTable.render(.perAtomMAE, rows: rows)
    }
}

/// A failure of a command that is not a usage error: printed as `error: ...`, exit code 1.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
