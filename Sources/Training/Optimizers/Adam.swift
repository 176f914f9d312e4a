// SwiftMACE, MIT licence.
// Adam and AdamW exactly as torch.optim.Adam / AdamW (single-tensor path): L2 weight decay added to the gradient
// (Adam) or decoupled (AdamW), amsgrad, per-group lr and weight decay. State tensors keep the parameter's dtype.

import Foundation
import Tensors

/// Per-parameter optimizer state, as torch's `optimizer.state[p]`.
public struct AdamParameterState: Sendable {
    /// Number of steps taken (torch keeps it as a float tensor).
    public var step: Double
    public var expAvg: Tensor
    public var expAvgSq: Tensor
    /// Running maximum of `expAvgSq`; present with amsgrad.
    public var maxExpAvgSq: Tensor?
}

/// torch.optim.Adam (`decoupledWeightDecay == false`) or torch.optim.AdamW (`true`).
///
/// One step, for parameter p with gradient g in a group with lr γ and weight decay λ:
/// Adam: g ← g + λp; AdamW: p ← p(1 − γλ). Then m ← lerp(m, g, 1 − β₁); v ← β₂v + (1 − β₂)g²;
/// v̂ ← max(v̂, v) (amsgrad); p ← p − γ/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε).
public struct Adam: Sendable {
    public var groups: [ParameterGroup]
    public var beta1: Double
    public var beta2: Double
    public var eps: Double
    public var amsgrad: Bool
    public var decoupledWeightDecay: Bool
    /// State by parameter index; nil until the parameter's first step.
    public var state: [AdamParameterState?]

    /// - Parameters:
    ///   - groups: parameter groups; every parameter index in at most one group.
    ///   - parameterCount: the model's number of parameters.
    public init(
        groups: [ParameterGroup], parameterCount: Int, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
        amsgrad: Bool = true, decoupledWeightDecay: Bool = false
    ) {
        self.groups = groups
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.amsgrad = amsgrad
        self.decoupledWeightDecay = decoupledWeightDecay
        self.state = Array(repeating: nil, count: parameterCount)
    }

    /// mace's optimizer for a model with these parameter names: `get_params_options` groups, then `get_optimizer`.
    public init(options: TrainingOptions, parameterNames: [String]) throws {
        self.init(
            groups: try ParameterGroup.grouping(parameterNames, lr: options.lr, weightDecay: options.weightDecay),
            parameterCount: parameterNames.count, beta1: options.beta, amsgrad: options.amsgrad,
            decoupledWeightDecay: options.optimizer == .adamw)
    }

    /// The learning rate of each group.
    public var learningRates: [Double] {
        get { groups.map(\.lr) }
        set { for index in groups.indices where index < newValue.count { groups[index].lr = newValue[index] } }
    }

    /// Updates `parameters` in place from `gradients` (nil: the parameter got no gradient and is skipped, as
    /// torch skips `p.grad is None`).
    public mutating func step(parameters: inout [Tensor], gradients: [Tensor?]) {
        precondition(parameters.count == state.count && gradients.count == state.count,
                     "Adam.step: \(parameters.count) parameters, \(gradients.count) gradients, state for \(state.count)")
        withoutGradient {
            for group in groups {
                for index in group.parameterIndices {
                    guard let gradient = gradients[index] else { continue }
                    parameters[index] = update(parameters[index], gradient, index: index, group: group)
                }
            }
        }
    }

    private mutating func update(_ parameter: Tensor, _ gradient: Tensor, index: Int, group: ParameterGroup) -> Tensor {
        precondition(parameter.shape == gradient.shape, "Adam.step: parameter \(index) has shape \(parameter.shape), gradient \(gradient.shape)")
        var parameter = parameter
        var gradient = gradient
        var current = state[index] ?? AdamParameterState(
            step: 0, expAvg: Tensor.zeros(like: parameter), expAvgSq: Tensor.zeros(like: parameter),
            maxExpAvgSq: amsgrad ? Tensor.zeros(like: parameter) : nil)
        current.step += 1
        if group.weightDecay != 0 {
            if decoupledWeightDecay {
                parameter = parameter * (1 - group.lr * group.weightDecay)
            } else {
                gradient = gradient + parameter * group.weightDecay
            }
        }
        current.expAvg = Self.lerp(current.expAvg, gradient, weight: 1 - beta1)
        current.expAvgSq = current.expAvgSq * beta2 + gradient * gradient * (1 - beta2)
        let biasCorrection1 = 1 - Foundation.pow(beta1, current.step)
        let biasCorrection2 = 1 - Foundation.pow(beta2, current.step)
        let stepSize = group.lr / biasCorrection1
        let biasCorrection2Sqrt = biasCorrection2.squareRoot()
        var secondMoment = current.expAvgSq
        if let maximum = current.maxExpAvgSq {
            secondMoment = which(maximum .> current.expAvgSq, maximum, current.expAvgSq)
            current.maxExpAvgSq = secondMoment
        }
        let denominator = sqrt(secondMoment) / biasCorrection2Sqrt + eps
        state[index] = current
        return parameter + (current.expAvg / denominator) * (-stepSize)
    }

    /// torch's `lerp_` on CPU: start + w(end − start) for w < 0.5, else end − (end − start)(1 − w).
    static func lerp(_ start: Tensor, _ end: Tensor, weight: Double) -> Tensor {
        weight < 0.5 ? start + (end - start) * weight : end - (end - start) * (1 - weight)
    }
}
