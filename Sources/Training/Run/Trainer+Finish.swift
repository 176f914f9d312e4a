// SwiftMACE, MIT licence.
// The end of a run, as mace's run_train ends it: the best checkpoint of each stage loaded (EMA weights when EMA is
// on), error tables for train, valid and every test set per config_type, the model file(s) in model_dir, and the
// learning curve and force parity plots (SVG) in results_dir.

import Atoms
import Foundation
import MACE
import Support
import Tensors

extension Trainer {
    /// - Parameter evaluator: where the tables' predictions come from (it gets each final model's weights).
    func finish(store: CheckpointStore, model: MACEModel, evaluator: (any ExternalGradientEvaluator)?) throws -> Outcome {
        var stages: [(stageTwo: Bool, suffix: String)] = [(false, "")]
        if options.stageTwoEnabled, try !store.improvedCheckpoints(stageTwo: true).isEmpty { stages.append((true, "_stagetwo")) }
        var paths: [String] = [], tables: [String] = []
        let modelDir = options.resolvedModelDir
        try createDirectory(modelDir)
        try createDirectory(options.resolvedResultsDir)
        let lossFunction = LossFunction(options: options)
        for (stageTwo, suffix) in stages {
            var final = model
            if let best = try store.improvedCheckpoints(stageTwo: stageTwo).max(by: { $0.epoch < $1.epoch }) {
                let checkpoint = try store.load(best.path)
                final.parameterValues = checkpoint.ema?.shadow ?? checkpoint.parameters.map(\.value)
                log("Loaded the best checkpoint \(best.path) (epoch \(best.epoch))")
            }
            let path = modelDir + "/" + (options.name ?? "MACE") + suffix + ".safetensors"
            do {
                try final.write(to: URL(fileURLWithPath: path))
            } catch {
                throw TrainingError.invalidFile(path: path, reason: "cannot write the model: \(error)")
            }
            paths.append(path)
            log("Saved model to \(path)")
            try evaluator?.setParameters(final)

            var rows: [(name: String, metrics: EvaluationMetrics)] = []
            var sets: [(name: String, configurations: [Configuration])] = [("train", data.train), ("valid", data.valid)]
            sets += data.tests
            for (name, configurations) in sets where !configurations.isEmpty {
                let evaluation = try evaluateSet(final, configurations, lossFunction, evaluator: evaluator)
                rows.append((name, evaluation.total))
                if evaluation.byType.count > 1 || evaluation.byType.first?.type != "Default" {
                    rows += evaluation.byType.map { ("\(name) [\($0.type)]", $0.metrics) }
                }
                if name != "train" {
                    let svg = ParityPlot.svg(reference: evaluation.referenceForces, predicted: evaluation.predictedForces,
                                             quantity: "Forces", unit: "eV/Å", milliUnit: "meV/Å")
                    try writeResult("\(options.tag)\(suffix)_\(name)_forces_parity.svg", svg)
                }
            }
            let table = ErrorTable.render(options.errorTable, rows: rows)
            log("Error-table on TRAIN, VALID and TEST (\(stageTwo ? "stage two" : "stage one") model):\n" + table)
            tables.append(table)
        }
        try writeResult("\(options.tag)_learning_curve.svg", learningCurve())
        return Outcome(epochsRun: 0, modelPaths: paths, tables: tables, interrupted: false)
    }

    /// Metrics of one data set (total and per config_type) and its force components, for tables and parity plots.
    /// - Parameter evaluator: where the predictions come from instead of `model`, holding `model`'s weights.
    func evaluateSet(
        _ model: MACEModel, _ configurations: [Configuration], _ loss: LossFunction,
        evaluator: (any ExternalGradientEvaluator)?
    ) throws -> (total: EvaluationMetrics, byType: [(type: String, metrics: EvaluationMetrics)],
                 referenceForces: [Double], predictedForces: [Double]) {
        var types: [String] = []
        for configuration in configurations where !types.contains(configuration.configType) { types.append(configuration.configType) }
        var total = MetricsAccumulator()
        var byType = types.map { MetricsAccumulator(configType: $0) }
        var reference: [Double] = [], predicted: [Double] = []
        for batch in try batches(configurations, size: options.validBatchSize, model: model) {
            let (predictions, value) = try evaluated(batch, model, loss, evaluator: evaluator)
            total.add(labels: batch.labels, predictions: predictions, loss: value)
            for index in byType.indices { byType[index].add(labels: batch.labels, predictions: predictions, loss: value) }
            reference += batch.labels.forces.toArray()
            predicted += predictions.forces?.toArray() ?? []
        }
        return (total.compute(), zip(types, byType).map { ($0, $1.compute()) }, reference, predicted)
    }

    /// The learning curve of the whole run, read back from the results log (so a resumed run plots every epoch).
    func learningCurve() -> String {
        let text = (try? String(contentsOfFile: ResultsLog(options: options).path, encoding: .utf8)) ?? ""
        var train: [(epoch: Int, loss: Double)] = [], valid: [(epoch: Int, loss: Double)] = []
        for line in text.split(separator: "\n") {
            guard let record = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let epoch = record["epoch"] as? Int, let loss = record["loss"] as? Double else { continue }
            if record["mode"] as? String == "opt" { train.append((epoch, loss)) } else { valid.append((epoch, loss)) }
        }
        return LearningCurvePlot.svg(train: train, valid: valid)
    }

    func writeResult(_ name: String, _ text: String) throws {
        try AtomicFile.write(Data(text.utf8), to: options.resolvedResultsDir + "/" + name)
    }

    func createDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.invalidFile(path: path, reason: "cannot create folder: \(error.localizedDescription)")
        }
    }
}
