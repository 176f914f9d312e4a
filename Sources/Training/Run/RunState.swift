// SwiftMACE, MIT licence.
// RunState: everything of a training run besides the model weights that a checkpoint must hold for an exact resume
// (optimiser, EMA, epoch schedule, shuffling generator, last and best validation loss, position in the epoch).

import MACE

struct RunState {
    var optimizer: Adam
    var ema: ExponentialMovingAverage?
    var schedule: EpochSchedule
    /// The shuffling generator after the last shuffle.
    var generator: PCG64
    /// The shuffling generator before the current epoch's shuffle (a mid-epoch checkpoint stores it).
    var epochGenerator: PCG64
    var lastValidationLoss = Double.infinity
    var bestValidationLoss = Double.infinity
    /// The epoch the loop starts at, and the optimiser steps of that epoch already taken.
    var nextEpoch = 0
    var stepsDone = 0

    init(options: TrainingOptions, model: MACEModel) throws {
        optimizer = try Adam(options: options, parameterNames: model.parameterNames)
        ema = options.ema ? ExponentialMovingAverage(parameters: model.parameterValues, decay: options.emaDecay) : nil
        schedule = EpochSchedule(options: options)
        generator = PCG64(seed: UInt64(max(0, options.seed)))
        epochGenerator = generator
    }

    mutating func restore(_ checkpoint: Checkpoint) {
        optimizer = checkpoint.optimizer
        ema = checkpoint.ema
        schedule = checkpoint.schedule
        generator = checkpoint.generator
        epochGenerator = checkpoint.generator
        lastValidationLoss = checkpoint.lastValidationLoss
        bestValidationLoss = checkpoint.bestValidationLoss
        nextEpoch = checkpoint.epoch + 1
        stepsDone = checkpoint.stepsIntoNextEpoch ?? 0
    }

    /// A checkpoint of the live weights and this state; `epoch` is the last completed epoch (−1: none).
    func checkpoint(model: MACEModel, epoch: Int = -1) -> Checkpoint {
        var checkpoint = Checkpoint(
            epoch: epoch, bestValidationLoss: bestValidationLoss, parameters: model.parameters, optimizer: optimizer,
            ema: ema, schedule: schedule, generator: stepsDone > 0 ? epochGenerator : generator)
        checkpoint.lastValidationLoss = lastValidationLoss
        checkpoint.stepsIntoNextEpoch = stepsDone > 0 ? stepsDone : nil
        return checkpoint
    }
}
