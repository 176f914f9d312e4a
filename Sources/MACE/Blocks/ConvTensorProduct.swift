// SwiftMACE, MIT licence.
// ConvTensorProduct: e3nn `o3.TensorProduct` in mode 'uvu' with per-edge weights from the radial MLP (mace's
// conv_tp; MACE.md §6.2, docs/MODEL_FORMAT.md §3.3): node features ⊗ edge spherical harmonics.

import Equivariance
import Tensors

/// `z[e][u, k] += pathWeight · w[e, u] · Σ_{i,j} C[i, j, k] x1[e][u, i] Y[e][j]` per instruction (`mul2 = 1`).
struct ConvTensorProduct {
    let config: TensorProductConfig
    /// Per instruction the Wigner 3j tensor reshaped to `[2l2+1, (2l1+1)·(2l3+1)]` (row j, column i·d3 + k).
    let couplings: [Tensor]

    /// - Parameter prefix: the module name (`interactions.1.conv_tp`) under which e3nn stored its 3j buffers.
    init(_ config: TensorProductConfig, prefix: String, weights: ModelWeights) throws {
        self.config = config
        couplings = try config.instructions.map { path in
            guard path.pathShape[1] == 1 else {
                throw ModelError.invalidConfig(file: weights.file.file, key: prefix,
                                               reason: "the second input must have multiplicity 1 (spherical harmonics)")
            }
            let l1 = config.irrepsIn1.entries[path.input1].irrep.l, l2 = config.irrepsIn2.entries[path.input2].irrep.l
            let l3 = config.irrepsOut.entries[path.output].irrep.l
            let c = try Self.wigner3j(l1, l2, l3, key: "\(prefix)._compiled_main_left_right._w3j_\(l1)_\(l2)_\(l3)",
                                      weights: weights)
            // [d1, d2, d3] → [d2, d1·d3]
            return c.permuted([1, 0, 2]).reshaped([2 * l2 + 1, (2 * l1 + 1) * (2 * l3 + 1)])
        }
    }

    /// The e3nn 0.4.4 3j tensor: the exported buffer when there is one, else the closed form for a zero degree
    /// (MACE.md §3.2), else computed (same convention).
    static func wigner3j(_ l1: Int, _ l2: Int, _ l3: Int, key: String, weights: ModelWeights) throws -> Tensor {
        let shape = [2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1]
        if weights.file.tensors[key] != nil { return try weights.tensor(key, shape: shape) }
        do {
            let table = try Wigner3j.tensor(l1, l2, l3)
            return try Tensor(table.values, shape: shape, dtype: weights.dtype)
        } catch {
            throw ModelError.invalidConfig(file: weights.file.file, key: key, reason: "\(error)")
        }
    }

    /// - Parameters:
    ///   - x1: node features on edges `[E, irrepsIn1.dim]`.
    ///   - edgeAttributes: spherical harmonics `[E, irrepsIn2.dim]`.
    ///   - edgeWeights: radial-MLP output `[E, weight_numel]`.
    /// - Returns: messages `[E, irrepsOut.dim]`.
    func callAsFunction(_ x1: Tensor, edgeAttributes: Tensor, edgeWeights: Tensor) -> Tensor {
        let edges = x1.shape[0]
        let x1Blocks = IrrepsBlocks.split(x1, config.irrepsIn1)
        let yBlocks = IrrepsBlocks.split(edgeAttributes, config.irrepsIn2)
        var outputs = [Tensor?](repeating: nil, count: config.irrepsOut.entries.count)
        var offset = 0
        for (path, coupling) in zip(config.instructions, couplings) {
            let mul = path.pathShape[0]
            let d1 = config.irrepsIn1.entries[path.input1].irrep.dimension
            let d3 = config.irrepsOut.entries[path.output].irrep.dimension
            let w = edgeWeights.sliced(axis: 1, start: offset, length: mul).reshaped([edges, mul, 1]) * path.pathWeight
            offset += mul
            let y = yBlocks[path.input2].reshaped([edges, config.irrepsIn2.entries[path.input2].irrep.dimension])
            let g = matmul(y, coupling).reshaped([edges, d1, d3])  // Σ_j C[i,j,k] Y[j]
            let x = x1Blocks[path.input1]  // [E, mul, d1]
            let z = d1 == 1 ? x * g : matmul(x, g)  // [E, mul, d3]
            let out = z * w
            outputs[path.output] = outputs[path.output].map { $0 + out } ?? out
        }
        return IrrepsBlocks.join(outputs, config.irrepsOut, batch: edges, dtype: x1.dtype)
    }
}
