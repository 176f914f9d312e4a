// SwiftMACE, MIT licence.
// ElementSkipTensorProduct: e3nn `FullyConnectedTensorProduct(irreps, n_el x 0e, irreps_out)` with the element
// one-hot as second input (mace's skip_tp; MACE.md §5.3): owns the flat weight and runs Equivariance's
// `ElementSkipTensorProductDescriptor` through the CPUExecutor Tensor op.

import Equivariance
import Tensors

/// `z[b][w, k] = pathWeight/√(2l+1) · Σ_{u,v} W[u, v, w] x[b][u, k] a[b, v]`, `a` the node attributes (one-hot).
struct ElementSkipTensorProduct {
    let config: TensorProductConfig
    let descriptor: ElementSkipTensorProductDescriptor
    /// The flat weight parameter: row-major `[mul1, n_el, mul_out]` blocks in instruction order.
    var weight: Tensor

    init(_ config: TensorProductConfig, weights: ModelWeights) throws {
        self.config = config
        let key = config.weight ?? ""
        func failure(_ reason: String) -> ModelError { .invalidConfig(file: weights.file.file, key: key, reason: reason) }
        guard config.irrepsIn2.entries.count == 1, let attributes = config.irrepsIn2.entries.first,
            attributes.irrep == Irrep(0, .even)
        else { throw failure("the second input must be the 'n_el x 0e' element attributes; found \(config.irrepsIn2)") }
        do {
            descriptor = try ElementSkipTensorProductDescriptor(
                irrepsIn: config.irrepsIn1, elementCount: attributes.mul, irrepsOut: config.irrepsOut)
        } catch {
            throw failure("\(error)")
        }
        let matches = descriptor.instructions.count == config.instructions.count
            && zip(descriptor.instructions, config.instructions).allSatisfy { built, stored in
                built.input1 == stored.input1 && built.output == stored.output && built.pathShape == stored.pathShape
                    && abs(built.pathWeight - stored.pathWeight) <= 1e-12 * abs(stored.pathWeight)
            }
        guard matches else { throw failure("the instructions are not those of e3nn's FullyConnectedTensorProduct") }
        weight = try weights.tensor(key, shape: [config.weightNumel])
    }

    /// - Parameters: x `[N, irrepsIn1.dim]`, attributes `[N, n_el]`. Returns `[N, irrepsOut.dim]`.
    func callAsFunction(_ x: Tensor, attributes: Tensor) throws -> Tensor {
        try CPUExecutor().evaluate(
            descriptor.polynomial, batchSize: x.shape[0],
            inputs: [weight.reshaped([1, config.weightNumel]), x, attributes],
            indexing: OperandIndexing(inputs: [.shared, .batched, .batched], outputs: [.batched]))[0]
    }
}
