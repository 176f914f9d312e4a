// SwiftMACE, MIT licence.
// ElementSkipTensorProduct: e3nn `FullyConnectedTensorProduct(irreps, n_el x 0e, irreps_out)` with the element
// one-hot as second input (mace's skip_tp; MACE.md §5.3): an element-dependent linear map per irrep block.

import Equivariance
import Tensors

/// `z[b][w, k] = pathWeight/√(2l+1) · Σ_{u,v} W[u, v, w] x[b][u, k] a[b, v]`, `a` the node attributes (one-hot).
struct ElementSkipTensorProduct {
    let config: TensorProductConfig
    /// The flat weight parameter: row-major `[mul1, n_el, mul_out]` blocks in instruction order.
    var weight: Tensor

    init(_ config: TensorProductConfig, weights: ModelWeights) throws {
        self.config = config
        weight = try weights.tensor(config.weight ?? "", shape: [config.weightNumel])
    }

    /// - Parameters: x `[N, irrepsIn1.dim]`, attributes `[N, n_el]`. Returns `[N, irrepsOut.dim]`.
    func callAsFunction(_ x: Tensor, attributes: Tensor) -> Tensor {
        let blocks = IrrepsBlocks.split(x, config.irrepsIn1)
        let attributeBlocks = IrrepsBlocks.split(attributes, config.irrepsIn2)
        let n = x.shape[0]
        var outputs = [Tensor?](repeating: nil, count: config.irrepsOut.entries.count)
        var offset = 0
        for path in config.instructions {
            let (mul1, mul2, mulOut) = (path.pathShape[0], path.pathShape[1], path.pathShape[2])
            let d = config.irrepsOut.entries[path.output].irrep.dimension
            // C^{(l,0,l)} = δ/√(2l+1) (MACE.md §3.2).
            let scale = path.pathWeight / Double(d).squareRoot()
            let w = weight.sliced(axis: 0, start: offset, length: path.weightCount).reshaped([mul1, mul2 * mulOut]) * scale
            offset += path.weightCount
            let mixed = IrrepsBlocks.mixChannels(blocks[path.input1], w)  // [N, mul2·mulOut, d]
            let a = attributeBlocks[path.input2].reshaped([n, mul2, 1, 1])
            let y = (mixed.reshaped([n, mul2, mulOut, d]) * a).sum(axis: 1)
            outputs[path.output] = outputs[path.output].map { $0 + y } ?? y
        }
        return IrrepsBlocks.join(outputs, config.irrepsOut, batch: n, dtype: x.dtype)
    }
}
