// SwiftMACE, MIT licence.
// ExternalGradientEvaluator: a MACE model outside Tensors' autodiff (the GPU model) that the trainer takes energies,
// forces and parameter gradients from, while the loss, clipping, optimiser and EMA stay the host's.

import MACE

/// A copy of the trained model that predicts energies and forces and returns parameter gradients of linear
/// functionals of them, so that the trainer needs no autodiff through the model.
///
/// One training step: `evaluate(graph)` gives E and F; the host loss L(E, F) gives its cotangents c = ∂L/∂E and
/// v = ∂L/∂F; `parameterGradients(graph, energyCotangents: c, forceCotangents: v)` is then dL/dW. After the
/// optimiser has updated the host model, `setParameters` hands the evaluator the new weights.
///
/// The evaluator is a reference type: it owns device state (weights, the last pass) that the trainer updates.
public protocol ExternalGradientEvaluator: AnyObject {
    /// Energies of every graph of `graph` and forces on its atoms, with the parameters last set.
    /// - Returns: one output per graph, in graph order; stress and virials are not read.
    func evaluate(_ graph: AtomicGraph) throws -> [MACEOutput]

    /// The gradient of Σ_g c_g·E_g + Σ_i v_i·F_i with respect to every trainable parameter, called after
    /// `evaluate(graph)` on the same graph and parameters, once per evaluation (an evaluator may use up its pass).
    /// - Parameters:
    ///   - energyCotangents: c, one per graph.
    ///   - forceCotangents: v, one per atom, in graph order.
    /// - Returns: one array per parameter in `MACEModel.parameterNames` order, row-major in the shape of
    ///   `MACEModel.parameterValues`.
    func parameterGradients(_ graph: AtomicGraph, energyCotangents: [Double], forceCotangents: [SIMD3<Double>]) throws
        -> [[Double]]

    /// Replaces the evaluator's parameters by `model`'s current ones (same architecture as the evaluator's).
    func setParameters(_ model: MACEModel) throws
}

/// Builds the evaluator for a run from the model the run starts from (fresh or resumed); `Trainer` calls it once.
public typealias ExternalGradientEvaluatorFactory = (MACEModel) throws -> any ExternalGradientEvaluator
