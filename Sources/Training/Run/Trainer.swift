// SwiftMACE, MIT licence.
// Trainer: mace-torch's `run_train` + `tools/train.train` epoch loop on a new MACE model: shuffled batches
// (drop_last), optimiser steps with clipping and EMA, validation every eval_interval on the EMA weights, scheduler,
// stage two, patience, checkpoints (latest every epoch, best by validation loss), exact resume, SIGINT and NaN stops;
// predictions and gradients from the CPU model by autodiff, or from an ExternalGradientEvaluator (the GPU model).

import Atoms
import Equivariance
import Foundation
import MACE
import Support
import Tensors

/// One training run of `swiftmace train`.
public struct Trainer {
    public let options: TrainingOptions
    /// The config file (or "command line"), named in errors.
    public let source: String
    public let data: TrainingData
    /// Receives progress lines and tables.
    public var log: (String) -> Void
    /// Checked between optimiser steps; true stops the run after saving a checkpoint (SIGINT by default).
    public var shouldStop: () -> Bool = { Interruption.isRequested }

    /// Builds the external evaluator the run takes predictions and gradients from; nil: the CPU model and autodiff.
    public let evaluatorFactory: ExternalGradientEvaluatorFactory?
    /// Shards per batch: one per core on the CPU, the whole batch as one graph for an external evaluator.
    var shardCount: Int { evaluatorFactory == nil ? cpuCoreCount : 1 }

    /// Reads and checks the data of `options` (no training yet).
    /// - Parameter evaluatorFactory: the evaluator (the GPU model) to train through; required for `device: cuda`.
    /// - Throws: `TrainingError` naming the key at fault (also `device: cuda` without an evaluator, and a loss or
    ///   `compute_stress` that needs stress from an evaluator), the readers' `AtomsError`.
    public init(
        options: TrainingOptions, source: String, log: @escaping (String) -> Void = { print($0) },
        evaluatorFactory: ExternalGradientEvaluatorFactory? = nil
    ) throws {
        if options.device == .cuda && evaluatorFactory == nil {
            throw TrainingError.invalidValue(InputLocation(file: source, key: "device"), found: "cuda",
                                             expected: "cpu: this build has no GPU trainer")
        }
        self.options = options
        self.source = source
        self.log = log
        self.evaluatorFactory = evaluatorFactory
        data = try TrainingData.load(options: options, source: source)
        if evaluatorFactory != nil { try checkExternalEvaluatorOptions() }
    }

    /// What a finished (or stopped) run produced.
    public struct Outcome: Sendable {
        /// Epochs completed in this process.
        public var epochsRun: Int
        /// The final model files (`model_dir/<name>.safetensors`, and `_stagetwo` when stage two ran).
        public var modelPaths: [String]
        /// The error tables printed at the end, one per saved model.
        public var tables: [String]
        /// true when `shouldStop` ended the run early (a checkpoint was saved).
        public var interrupted: Bool
    }

    /// The model the run starts from: built from the options and the training-set statistics.
    public func initialModel() throws -> MACEModel {
        let statistics = try TrainingStatistics(options: options, data: data, source: source)
        func irreps(_ text: String, _ key: String) throws -> Irreps {
            do { return try Irreps(parsing: text) } catch {
                throw TrainingError.invalidValue(InputLocation(file: source, key: key), found: text, expected: "irreps")
            }
        }
        var architecture = MACEArchitecture(
            atomicNumbers: data.atomicNumbers, hiddenIrreps: try irreps(options.resolvedHiddenIrreps, "hidden_irreps"),
            mlpIrreps: try irreps(options.mlpIrreps, "MLP_irreps"), atomicEnergies: statistics.atomicEnergies)
        architecture.rMax = options.rMax
        architecture.numBessel = options.numRadialBasis
        architecture.numPolynomialCutoff = options.numCutoffBasis
        architecture.maxEll = options.maxEll
        architecture.numInteractions = options.numInteractions
        architecture.correlation = options.correlation
        architecture.radialMLP = options.radialMLP
        architecture.residualFirst = options.interactionFirst == .residual
        architecture.residual = options.interaction == .residual
        architecture.avgNumNeighbors = statistics.avgNumNeighbors
        architecture.scale = statistics.scale
        architecture.shift = options.model == .scaleShiftMACE ? statistics.mean : 0
        var generator = PCG64(seed: UInt64(max(0, options.seed)) &+ 1)
        do {
            return try MACEModel(architecture: architecture, dtype: dtype, generator: &generator)
        } catch let error as ModelError {
            throw TrainingError.invalidValue(InputLocation(file: source, key: "hidden_irreps"),
                                             found: options.resolvedHiddenIrreps, expected: "a buildable model (\(error))")
        }
    }

    var dtype: DType { options.defaultDtype == .float32 ? .float32 : .float64 }

    /// Trains, evaluates and writes the final model(s).
    /// - Throws: `TrainingError` for a non-finite loss (the last good checkpoint is kept and named), unreadable
    ///   checkpoints, unwritable outputs.
    public func run() throws -> Outcome {
        let store = CheckpointStore(options: options)
        let results = ResultsLog(options: options)
        var model = try initialModel()
        var state = try RunState(options: options, model: model)
        if options.restartLatest, let path = try store.resumePath() {
            let checkpoint = try store.load(path)
            guard checkpoint.parameters.map(\.name) == model.parameterNames,
                  zip(checkpoint.parameters, model.parameterValues).allSatisfy({ $0.value.shape == $1.shape })
            else { throw TrainingError.invalidFile(path: path, reason: "checkpoint parameters do not match the model of these options") }
            model.parameters = checkpoint.parameters
            state.restore(checkpoint)
            log("Resuming from \(path) (epoch \(checkpoint.epoch))")
        } else {
            try store.saveLatest(state.checkpoint(model: model))
        }

        let evaluator = try evaluatorFactory?(model)
        let validBatches = try batches(data.valid, size: options.validBatchSize, model: model)
        var epochsRun = 0
        var epoch = state.nextEpoch
        var lossFunction = state.schedule.inStageTwo ? (state.schedule.stageTwoLoss ?? state.schedule.loss) : state.schedule.loss
        while epoch < options.maxNumEpochs {
            let started = Date()
            if state.stepsDone == 0 {
                lossFunction = state.schedule.beginEpoch(epoch, lastValidationLoss: state.lastValidationLoss,
                                                         optimizer: &state.optimizer)
                state.epochGenerator = state.generator
            }
            var shuffling = state.epochGenerator
            var order = Array(data.train.indices)
            shuffling.shuffle(&order)
            state.generator = shuffling
            let size = min(options.batchSize, order.count)
            var trainLoss = 0.0
            for step in 0..<(order.count / size) where step >= state.stepsDone {
                if shouldStop() {
                    state.stepsDone = step
                    try store.saveLatest(state.checkpoint(model: model, epoch: epoch - 1))
                    log("Interrupted: checkpoint saved to \(store.latestPath); resume with --restart_latest")
                    return Outcome(epochsRun: epochsRun, modelPaths: [], tables: [], interrupted: true)
                }
                let batch = try TrainingBatch(configurations: order[(step * size)..<((step + 1) * size)].map { data.train[$0] },
                                              model: model, configTypeWeights: options.configTypeWeights,
                                              shardCount: shardCount)
                let result = try TrainingStep.take(model: &model, optimizer: &state.optimizer, ema: &state.ema,
                                                   maxGradNorm: options.clipGrad) { model in
                    if let evaluator { return try batch.lossGradient(evaluator: evaluator, lossFunction, model: model) }
                    return try TrainingStep.autodiffGradient(of: model, shards: batch.shards.count) {
                        try batch.loss(of: $0, lossFunction, shard: $1)
                    }
                }
                guard result.loss.isFinite, result.gradientNorm.isFinite else {
                    throw TrainingError.invalidData(
                        "training stopped: the loss is \(Self.text(result.loss)) (gradient norm \(Self.text(result.gradientNorm))) at epoch \(epoch), "
                            + "batch \(step); try a smaller lr. The last good checkpoint is \(store.latestPath)")
                }
                try evaluator?.setParameters(model)
                trainLoss += result.loss
            }
            state.stepsDone = 0
            try results.append([("mode", .text("opt")), ("epoch", .integer(epoch)),
                                ("loss", .number(trainLoss / Double(max(1, order.count / size))))])
            if epoch % options.evalInterval == 0 {
                let validation = validationModel(model, state)
                if state.ema != nil { try evaluator?.setParameters(validation) }
                let metrics = try evaluate(validation, validBatches, lossFunction, evaluator: evaluator)
                if state.ema != nil { try evaluator?.setParameters(model) }
                state.lastValidationLoss = metrics.loss
                try results.append(metrics.record(mode: "eval", epoch: epoch))
                let decision = state.schedule.endEpoch(epoch, validationLoss: metrics.loss)
                log(ProgressLine.format(epoch: epoch, maxEpochs: options.maxNumEpochs, metrics: metrics,
                                        learningRate: state.optimizer.learningRates.first ?? options.lr,
                                        epochSeconds: Date().timeIntervalSince(started)))
                switch decision {
                case .improved:
                    state.bestValidationLoss = metrics.loss
                    try store.saveImproved(state.checkpoint(model: model, epoch: epoch), stageTwo: state.schedule.inStageTwo)
                case .noImprovement: break
                case .jumpTo(let start):
                    log("Stopping optimization after \(state.schedule.patienceCounter) epochs without improvement and starting Stage Two")
                    epoch = start
                case .stop:
                    log("Stopping optimization after \(state.schedule.patienceCounter) epochs without improvement")
                    epoch = options.maxNumEpochs
                }
            }
            try store.saveLatest(state.checkpoint(model: model, epoch: min(epoch, options.maxNumEpochs - 1)))
            epochsRun += 1
            epoch += 1
        }
        var outcome = try finish(store: store, model: model, evaluator: evaluator)
        outcome.epochsRun = epochsRun
        return outcome
    }

    /// A number for messages: NaN without a sign.
    static func text(_ value: Double) -> String { value.isNaN ? "NaN" : "\(value)" }

    /// The model validation and checkpoints use: the EMA weights when EMA is on (mace's `ema.average_parameters()`).
    func validationModel(_ model: MACEModel, _ state: RunState) -> MACEModel {
        guard let ema = state.ema else { return model }
        var averaged = model
        averaged.parameterValues = ema.shadow
        return averaged
    }

    func batches(_ configurations: [Configuration], size: Int, model: MACEModel) throws -> [TrainingBatch] {
        try stride(from: 0, to: configurations.count, by: max(1, size)).map {
            try TrainingBatch(configurations: Array(configurations[$0..<min($0 + size, configurations.count)]), model: model,
                              configTypeWeights: options.configTypeWeights, shardCount: shardCount)
        }
    }

    /// mace's `evaluate`: loss and error metrics of `model` over `batches`, optionally for one config type.
    /// - Parameter evaluator: where the predictions come from instead of `model`, holding `model`'s weights.
    func evaluate(
        _ model: MACEModel, _ batches: [TrainingBatch], _ loss: LossFunction, configType: String? = nil,
        evaluator: (any ExternalGradientEvaluator)?
    ) throws -> EvaluationMetrics {
        var accumulator = MetricsAccumulator(configType: configType)
        for batch in batches {
            let (predictions, value) = try evaluated(batch, model, loss, evaluator: evaluator)
            accumulator.add(labels: batch.labels, predictions: predictions, loss: value)
        }
        return accumulator.compute()
    }

    /// The predictions on `batch` and their loss, without gradients: from `evaluator` (holding `model`'s weights)
    /// when there is one, else from `model` on the CPU.
    func evaluated(
        _ batch: TrainingBatch, _ model: MACEModel, _ loss: LossFunction, evaluator: (any ExternalGradientEvaluator)?
    ) throws -> (predictions: Predictions, loss: Double) {
        if let evaluator {
            let predictions = try batch.predictions(from: evaluator, dtype: model.dtype)
            let value = try withoutGradient { try loss(predictions.zeroStressFilled(for: loss), batch.labels).scalarValue }
            return (predictions, value)
        }
        let predictions = try batch.predictions(of: model, computeStress: loss.needsStress || options.computeStress,
                                                createGraph: false)
        return (predictions, try withoutGradient { try loss(predictions, batch.labels).scalarValue })
    }
}
