// SwiftMACE, MIT licence.
// ConvTensorProduct: mace's conv_tp (e3nn 'uvu' TensorProduct with per-edge radial weights, MACE.md §6.2) fused with
// the sender gather and the receiver sum (§6.3): Equivariance's `ChannelwiseTensorProductDescriptor` run by the
// CPUExecutor Tensor op, so the per-edge message `[E, mid]` never exists.

import Equivariance
import Tensors

/// `m[r][u, k] = Σ_{edges s→r} pathWeight · w[e, u] · Σ_{i,j} C[i, j, k] x1[s][u, i] Y[e][j]` per instruction.
struct ConvTensorProduct {
    let config: TensorProductConfig
    let descriptor: ChannelwiseTensorProductDescriptor

    /// Checks that the exported instructions, path weights and 3j buffers are those the descriptor builds.
    /// - Parameter prefix: the module name (`interactions.1.conv_tp`) under which e3nn stored its 3j buffers.
    init(_ config: TensorProductConfig, prefix: String, weights: ModelWeights) throws {
        self.config = config
        func failure(_ reason: String) -> ModelError { .invalidConfig(file: weights.file.file, key: prefix, reason: reason) }
        guard config.instructions.allSatisfy({ $0.mode == .uvu && $0.pathShape[1] == 1 }),
            config.irrepsIn2.entries.allSatisfy({ $0.mul == 1 })
        else { throw failure("the second input must have multiplicity 1 (spherical harmonics)") }
        do {
            descriptor = try ChannelwiseTensorProductDescriptor(
                irreps1: config.irrepsIn1, irreps2: config.irrepsIn2, target: config.irrepsOut)
        } catch {
            throw failure("\(error)")
        }
        let matches = descriptor.irrepsMid == config.irrepsOut && descriptor.instructions.count == config.instructions.count
            && zip(descriptor.instructions, config.instructions).allSatisfy { built, stored in
                built.input1 == stored.input1 && built.input2 == stored.input2 && built.output == stored.output
                    && abs(built.pathWeight - stored.pathWeight) <= 1e-12 * abs(stored.pathWeight)
            }
        guard matches else {
            throw failure("the instructions are not mace's conv_tp for \(config.irrepsIn1) ⊗ \(config.irrepsIn2) → \(config.irrepsOut)")
        }
        for path in config.instructions {
            let l1 = config.irrepsIn1.entries[path.input1].irrep.l, l2 = config.irrepsIn2.entries[path.input2].irrep.l
            let l3 = config.irrepsOut.entries[path.output].irrep.l
            let key = "\(prefix)._compiled_main_left_right._w3j_\(l1)_\(l2)_\(l3)"
            guard let entry = weights.file.tensors[key] else { continue }
            let stored = try weights.floats(key)
            let built = try Wigner3j.tensor(l1, l2, l3)
            // As precise as the file stores it (a float32 export evaluated in float64 holds float32-rounded tables).
            let tolerance = entry.dtype == .float32 || weights.dtype == .float32 ? 1e-6 : 1e-12
            guard stored.shape == built.shape,
                zip(stored.values, built.values).allSatisfy({ abs($0 - $1) <= tolerance })
            else { throw ModelError.invalidConfig(file: weights.file.file, key: key, reason: "not e3nn 0.4.4's Wigner 3j") }
        }
    }

    /// - Parameters:
    ///   - nodeFeatures: `[N, irrepsIn1.dim]` (linear_up output), read at each edge's sender.
    ///   - edgeAttributes: spherical harmonics `[E, irrepsIn2.dim]`.
    ///   - edgeWeights: radial-MLP output `[E, weight_numel]`.
    ///   - edges: sender and receiver of every edge.
    /// - Returns: messages summed per receiver `[N, irrepsOut.dim]`.
    func callAsFunction(_ nodeFeatures: Tensor, edgeAttributes: Tensor, edgeWeights: Tensor, edges: EdgeIndexing) throws
        -> Tensor
    {
        let nodes = nodeFeatures.shape[0]
        return try CPUExecutor().evaluate(
            descriptor.polynomial, batchSize: edgeAttributes.shape[0], inputs: [edgeWeights, nodeFeatures, edgeAttributes],
            indexing: OperandIndexing(
                inputs: [.batched, .indexed(edges.senders, rows: nodes), .batched],
                outputs: [.indexed(edges.receivers, rows: nodes)]))[0]
    }
}

/// Sender and receiver node of every edge, as the executor's index arrays.
struct EdgeIndexing {
    let senders: [Int]
    let receivers: [Int]
}
