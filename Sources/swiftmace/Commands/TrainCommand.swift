// SwiftMACE, MIT licence.
// `swiftmace train`: mace-torch's `mace_run_train`. Options come from `--config run.yaml` and from flags with
// mace's names (`--lr 0.005`, `--max_num_epochs 10`), flags overriding the file; all are checked before any work.

import ArgumentParser
import Foundation
import Training

struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a MACE model (mace_run_train's options and defaults).",
        discussion: "Every option of the YAML file is also a flag: "
            + TrainingOptions.table.map { "--\($0.name)" }.joined(separator: ", ")
            + ". Ctrl-C saves a checkpoint; --restart_latest resumes from it.")

    @Option(help: "YAML file of training options (mace names); flags override it.")
    var config: String?

    @Argument(parsing: .allUnrecognized, help: "Training options as flags, e.g. --name ethanol --lr 0.01.")
    var flags: [String] = []

    func run() throws {
        let options = try TrainingOptions.load(yamlFile: config, arguments: flags)
        let trainer = try Trainer(
            options: options, source: config ?? TrainingOptions.commandLineSource,
            log: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) },
            evaluatorFactory: options.device == .cuda ? { try CUDATrainingEvaluator(model: $0) } : nil)
        Interruption.installSignalHandler()
        let outcome = try trainer.run()
        if outcome.interrupted { throw ExitCode(130) }
    }
}
