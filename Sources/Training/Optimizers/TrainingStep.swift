// SwiftMACE, MIT licence.
// One optimisation step as mace's `tools/train.take_step`: loss, gradients of all parameters, clip_grad_norm_,
// optimizer step, EMA update.

import Tensors

public enum TrainingStep {
    /// What one step measured, before the update.
    public struct Result: Sendable, Equatable {
        /// The loss on the parameters before the step.
        public var loss: Double
        /// ‖g‖₂ over all parameters before clipping.
        public var gradientNorm: Double
    }

    /// Computes `loss(model)` with gradients recorded, clips the gradients to `maxGradNorm` (nil: no clipping),
    /// steps `optimizer` and then `ema`, and writes the new parameters into `model`.
    /// - Returns: the loss before the step and the gradient norm before clipping.
    /// - Throws: what `loss` throws.
    @discardableResult
    public static func take<Model: TrainableModel>(
        model: inout Model, optimizer: inout Adam, ema: inout ExponentialMovingAverage?, maxGradNorm: Double?,
        loss: (Model) throws -> Tensor
    ) throws -> Result {
        var tracked = model
        tracked.parameters = model.parameters.map { NamedParameter(name: $0.name, value: $0.value.detached().requiringGrad()) }
        let (value, gradients): (Double, [Tensor?]) = try withGradient {
            let value = try loss(tracked)
            let inputs = tracked.parameters.map(\.value)
            return (value.scalarValue, try grad(of: value, withRespectTo: inputs, allowUnused: true).map { $0 })
        }
        var clipped = gradients
        let norm = maxGradNorm.map { GradientClipping.clipByTotalNorm(&clipped, maxNorm: $0) }
            ?? GradientClipping.totalNorm(gradients)
        var values = model.parameters.map { $0.value.detached() }
        optimizer.step(parameters: &values, gradients: clipped)
        ema?.update(parameters: values)
        for index in values.indices { model.parameters[index].value = values[index] }
        return Result(loss: value, gradientNorm: norm)
    }
}
