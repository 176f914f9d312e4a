// SwiftMACE, MIT licence.
// LRScheduler: mace's scheduler wrapper (scripts_utils.LRScheduler), one of ReduceLROnPlateau or ExponentialLR.

/// The learning-rate scheduler chosen by `--scheduler`.
public enum LRScheduler: Sendable, Equatable, Codable {
    case reduceLROnPlateau(ReduceLROnPlateau)
    case exponentialLR(ExponentialLR)

    /// The scheduler mace builds from the options.
    public init(options: TrainingOptions) {
        switch options.scheduler {
        case .reduceLROnPlateau:
            self = .reduceLROnPlateau(ReduceLROnPlateau(factor: options.lrFactor, patience: options.schedulerPatience))
        case .exponentialLR:
            self = .exponentialLR(ExponentialLR(gamma: options.lrSchedulerGamma))
        }
    }

    /// One step; `metric` (the last validation loss) is read by ReduceLROnPlateau only.
    public mutating func step(metric: Double, optimizer: inout Adam) {
        var rates = optimizer.learningRates
        switch self {
        case .reduceLROnPlateau(var scheduler):
            scheduler.step(metric: metric, learningRates: &rates)
            self = .reduceLROnPlateau(scheduler)
        case .exponentialLR(var scheduler):
            scheduler.step(learningRates: &rates)
            self = .exponentialLR(scheduler)
        }
        optimizer.learningRates = rates
    }
}
