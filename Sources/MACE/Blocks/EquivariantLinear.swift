// SwiftMACE, MIT licence.
// EquivariantLinear: e3nn `o3.Linear` (MACE.md §5.1, docs/MODEL_FORMAT.md §3.2): owns the flat weight and runs
// Equivariance's `LinearDescriptor` through the CPUExecutor Tensor op (one matmul per path).

import Equivariance
import Tensors

/// An e3nn Linear on mul_ir features: `[batch, irrepsIn.dim] → [batch, irrepsOut.dim]`.
struct EquivariantLinear {
    let config: LinearConfig
    let descriptor: LinearDescriptor
    /// The flat weight parameter `[weight_numel]`: row-major `[mul_in, mul_out]` blocks in instruction order.
    var weight: Tensor

    init(_ config: LinearConfig, weights: ModelWeights) throws {
        self.config = config
        descriptor = try LinearDescriptor(irrepsIn: config.irrepsIn, irrepsOut: config.irrepsOut)
        let matches = descriptor.instructions.count == config.instructions.count
            && zip(descriptor.instructions, config.instructions).allSatisfy { built, stored in
                built.input == stored.input && built.output == stored.output
                    && abs(built.pathWeight - stored.pathWeight) <= 1e-12 * abs(stored.pathWeight)
            }
        guard matches else {
            throw ModelError.invalidConfig(file: weights.file.file, key: config.weight,
                                           reason: "the instructions are not those of e3nn's Linear(\(config.irrepsIn), \(config.irrepsOut))")
        }
        weight = try weights.tensor(config.weight, shape: [config.weightNumel])
    }

    func callAsFunction(_ x: Tensor) throws -> Tensor {
        try CPUExecutor().evaluate(
            descriptor.polynomial, batchSize: x.shape[0], inputs: [weight.reshaped([1, config.weightNumel]), x],
            indexing: OperandIndexing(inputs: [.shared, .batched], outputs: [.batched]))[0]
    }
}
