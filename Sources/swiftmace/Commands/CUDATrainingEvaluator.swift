// SwiftMACE, MIT licence.
// CUDATrainingEvaluator: the GPU model behind `swiftmace train --device cuda`, seen by the Trainer as an
// ExternalGradientEvaluator (energies and forces, the loss's parameter gradients, weight updates).

import Atoms
import CUDA
import MACE
import MACECUDA
import Training

/// Forwards the trainer's three calls to a ``CUDAMACEModel`` built from the starting model (its dtype's policy:
/// float64 or float32).
final class CUDATrainingEvaluator: ExternalGradientEvaluator {
    let gpu: CUDAMACEModel

    /// - Throws: `CUDAError` when there is no driver or GPU, or the model needs something the GPU path lacks.
    init(model: MACEModel) throws {
        gpu = try CUDAMACEModel(model: model, context: CUDAContext.shared())
    }

    func evaluate(_ graph: AtomicGraph) throws -> [MACEOutput] { try gpu.evaluate(graph) }

    func parameterGradients(_ graph: AtomicGraph, energyCotangents: [Double], forceCotangents: [SIMD3<Double>]) throws
        -> [[Double]]
    {
        try gpu.parameterGradients(graph, energyCotangents: energyCotangents, forceCotangents: forceCotangents)
    }

    func setParameters(_ model: MACEModel) throws { try gpu.setParameters(model) }
}
