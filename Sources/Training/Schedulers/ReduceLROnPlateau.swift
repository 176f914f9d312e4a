// SwiftMACE, MIT licence.
// ReduceLROnPlateau exactly as torch.optim.lr_scheduler.ReduceLROnPlateau with mode "min", threshold 1e-4 relative,
// cooldown 0, min_lr 0, eps 1e-8 (mace: factor = lr_factor, patience = scheduler_patience).

/// Multiplies every group's lr by `factor` after more than `patience` epochs without relative improvement.
public struct ReduceLROnPlateau: Sendable, Equatable, Codable {
    public var factor: Double
    public var patience: Int
    public var threshold: Double = 1e-4
    public var cooldown: Int = 0
    public var minLR: Double = 0
    public var eps: Double = 1e-8
    /// Best metric so far (+∞ before the first step).
    public var best: Double = .infinity
    public var numBadEpochs: Int = 0
    public var cooldownCounter: Int = 0
    public var lastEpoch: Int = 0

    public init(factor: Double, patience: Int) {
        self.factor = factor
        self.patience = patience
    }

    /// One scheduler step with this epoch's validation loss; updates `learningRates` (one per group) in place.
    public mutating func step(metric: Double, learningRates: inout [Double]) {
        lastEpoch += 1
        if metric < best * (1 - threshold) {
            best = metric
            numBadEpochs = 0
        } else {
            numBadEpochs += 1
        }
        if cooldownCounter > 0 {
            cooldownCounter -= 1
            numBadEpochs = 0
        }
        if numBadEpochs > patience {
            for index in learningRates.indices {
                let old = learningRates[index]
                let new = max(old * factor, minLR)
                if old - new > eps { learningRates[index] = new }
            }
            cooldownCounter = cooldown
            numBadEpochs = 0
        }
    }
}
