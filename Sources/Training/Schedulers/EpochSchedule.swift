// SwiftMACE, MIT licence.
// EpochSchedule: the model-independent bookkeeping of mace's epoch loop (tools/train.py `train`): scheduler
// steps, the stage-two ("swa") switch of loss weights and lr, patience, and when to save a checkpoint.

/// What happens around each epoch of training, as mace's `train` loop does it.
///
/// Before epoch e (`beginEpoch`): outside stage two, the scheduler steps on the last validation loss when
/// e > startEpoch; from `stageTwoStart` on, the loss takes the `swa_*` weights and every group's lr becomes
/// `swa_lr` when e > startEpoch (torch SWALR with anneal_epochs=1 reaches swa_lr at its first step, MACE.md §11.1).
/// After validation (`endEpoch`): a loss below the lowest so far resets patience and asks for a checkpoint;
/// otherwise patience grows, and running out of it jumps to stage two (when on) or stops.
public struct EpochSchedule: Sendable, Equatable, Codable {
    public var scheduler: LRScheduler
    public var loss: LossFunction
    public var stageTwoLoss: LossFunction?
    /// First epoch of stage two; nil when stage two is off.
    public var stageTwoStart: Int?
    public var stageTwoLR: Double
    public var patience: Int
    /// The epoch this run (or resumed run) started at.
    public var startEpoch: Int
    public var lowestLoss: Double = .infinity
    public var patienceCounter: Int = 0
    /// Whether the first stage-two epoch has begun (mace's `swa_start` flag, inverted).
    public var inStageTwo: Bool = false

    public init(options: TrainingOptions, startEpoch: Int = 0) {
        scheduler = LRScheduler(options: options)
        loss = LossFunction(options: options)
        stageTwoLoss = options.stageTwoEnabled ? LossFunction(options: options, stageTwo: true) : nil
        stageTwoStart = options.stageTwoEnabled ? options.stageTwoStartEpoch : nil
        stageTwoLR = options.swaLR
        patience = options.patience
        self.startEpoch = startEpoch
    }

    /// Steps the scheduler or switches to stage two before `epoch`; returns the loss to train with.
    public mutating func beginEpoch(_ epoch: Int, lastValidationLoss: Double, optimizer: inout Adam) -> LossFunction {
        guard let start = stageTwoStart, let stageTwoLoss, epoch >= start else {
            if epoch > startEpoch { scheduler.step(metric: lastValidationLoss, optimizer: &optimizer) }
            return loss
        }
        if !inStageTwo {
            // mace resets the lowest loss so the first stage-two epoch always saves a checkpoint
            inStageTwo = true
            lowestLoss = .infinity
        }
        if epoch > startEpoch { optimizer.learningRates = optimizer.groups.map { _ in stageTwoLR } }
        return stageTwoLoss
    }

    /// What to do after validating at `epoch`.
    public enum Decision: Sendable, Equatable {
        /// The loss improved: save a checkpoint.
        case improved
        /// No improvement; go on.
        case noImprovement
        /// Patience ran out before stage two: continue from this epoch (stage two's start).
        case jumpTo(epoch: Int)
        /// Patience ran out: stop training.
        case stop
    }

    public mutating func endEpoch(_ epoch: Int, validationLoss: Double) -> Decision {
        guard validationLoss >= lowestLoss else {
            lowestLoss = validationLoss
            patienceCounter = 0
            return .improved
        }
        patienceCounter += 1
        guard patienceCounter >= patience else { return .noImprovement }
        if let start = stageTwoStart, epoch < start { return .jumpTo(epoch: start) }
        return .stop
    }
}
