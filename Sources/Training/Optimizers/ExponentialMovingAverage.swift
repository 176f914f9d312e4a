// SwiftMACE, MIT licence.
// Exponential moving average of parameters, as torch_ema.ExponentialMovingAverage with use_num_updates=True
// (mace `--ema`; MACE.md §11.2): validation and checkpoints use the averaged weights.

import Tensors

/// Shadow copies of the parameters, updated after each optimizer step.
///
/// Update n (1-based) uses decay d_n = min(decay, (1 + n)/(10 + n)) when `numUpdates` is counted:
/// s ← s − (1 − d_n)(s − p), computed in the parameters' dtype as torch_ema does.
public struct ExponentialMovingAverage: Sendable {
    public var decay: Double
    /// Updates so far; nil when the warm-up decay is off (`use_num_updates=False`).
    public var numUpdates: Int?
    /// The averaged parameters, in the model's parameter order.
    public var shadow: [Tensor]

    /// Starts the average at `parameters` (torch_ema clones them).
    public init(parameters: [Tensor], decay: Double, useNumUpdates: Bool = true) {
        self.decay = decay
        self.numUpdates = useNumUpdates ? 0 : nil
        self.shadow = parameters.map { $0.detached() }
    }

    /// Moves the shadow towards `parameters`.
    public mutating func update(parameters: [Tensor]) {
        precondition(parameters.count == shadow.count, "EMA.update: \(parameters.count) parameters, \(shadow.count) shadows")
        var decay = self.decay
        if let count = numUpdates {
            numUpdates = count + 1
            let n = Double(count + 1)
            decay = min(decay, (1 + n) / (10 + n))
        }
        let oneMinusDecay = 1.0 - decay
        withoutGradient {
            for index in shadow.indices {
                shadow[index] = shadow[index] - (shadow[index] - parameters[index].detached()) * oneMinusDecay
            }
        }
    }
}
