// SwiftMACE, MIT licence.
// EquivariantLinear: e3nn `o3.Linear` (MACE.md §5.1, docs/MODEL_FORMAT.md §3.2): per path a channel-mixing matrix
// times the complete path weight, summed per output block.

import Equivariance
import Tensors

/// An e3nn Linear on mul_ir features: `[batch, irrepsIn.dim] → [batch, irrepsOut.dim]`.
struct EquivariantLinear {
    let config: LinearConfig
    /// The flat weight parameter `[weight_numel]`: row-major `[mul_in, mul_out]` blocks in instruction order.
    var weight: Tensor

    init(_ config: LinearConfig, weights: ModelWeights) throws {
        self.config = config
        weight = try weights.tensor(config.weight, shape: [config.weightNumel])
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        let blocks = IrrepsBlocks.split(x, config.irrepsIn)
        var outputs = [Tensor?](repeating: nil, count: config.irrepsOut.entries.count)
        var offset = 0
        for path in config.instructions {
            let mulIn = config.irrepsIn.entries[path.input].mul, mulOut = config.irrepsOut.entries[path.output].mul
            let w = weight.sliced(axis: 0, start: offset, length: mulIn * mulOut).reshaped([mulIn, mulOut]) * path.pathWeight
            offset += mulIn * mulOut
            let y = IrrepsBlocks.mixChannels(blocks[path.input], w)
            outputs[path.output] = outputs[path.output].map { $0 + y } ?? y
        }
        return IrrepsBlocks.join(outputs, config.irrepsOut, batch: x.shape[0], dtype: x.dtype)
    }
}
