// SwiftMACE, MIT licence.
// ExponentialLR exactly as torch.optim.lr_scheduler.ExponentialLR (chainable form: lr ← lr·γ at each step).

/// Multiplies every group's lr by `gamma` at each step (mace: gamma = lr_scheduler_gamma).
public struct ExponentialLR: Sendable, Equatable, Codable {
    public var gamma: Double
    public var lastEpoch: Int = 0

    public init(gamma: Double) { self.gamma = gamma }

    public mutating func step(learningRates: inout [Double]) {
        lastEpoch += 1
        for index in learningRates.indices { learningRates[index] *= gamma }
    }
}
