// SwiftMACE, MIT licence.
// The parameter gradient of a linear functional of predicted energies and forces on the CPU: forces recorded with
// createGraph, then one more reverse pass (the double backward). The reference every external evaluator's gradient
// (the GPU model's) is checked against.

import Tensors

extension MACEModel {
    /// The model with its parameters replaced by fresh autodiff leaves, and those leaves (in `parameterNames` order),
    /// so that a prediction with `createGraph` can be differentiated with respect to them.
    public func trackingParameters() -> (model: MACEModel, leaves: [Tensor]) {
        var tracked = self
        let leaves = parameterValues.map { $0.detached().requiringGrad() }
        tracked.parameterValues = leaves
        return (tracked, leaves)
    }

    /// `∂/∂leaves` of `Σ_g c_g·E_g + Σ_i v_i·F_i`, flat per leaf, from energies `[G]` and forces `[N, 3]` predicted
    /// with `createGraph` by a model whose parameters are `leaves` (``trackingParameters()``); zeros for a leaf
    /// they do not depend on.
    /// - Throws: `TensorError.shapeMismatch` when the cotangent counts are not the predictions' graph and atom
    ///   counts, and what the backward throws.
    public static func functionalGradient(
        energies: Tensor, forces: Tensor, leaves: [Tensor], energyCotangents: [Double],
        forceCotangents: [SIMD3<Double>]
    ) throws -> [[Double]] {
        let c = try Tensor(energyCotangents, shape: [energyCotangents.count], dtype: energies.dtype)
        let v = try Tensor(
            forceCotangents.flatMap { [$0.x, $0.y, $0.z] }, shape: [forceCotangents.count, 3], dtype: forces.dtype)
        return try grad(of: [energies, forces], withRespectTo: leaves, seeds: [c, v], allowUnused: true)
            .map { $0.toArray() }
    }
}
