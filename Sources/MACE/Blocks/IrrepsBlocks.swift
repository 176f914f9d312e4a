// SwiftMACE, MIT licence.
// Splitting and joining mul_ir feature tensors `[batch, irreps.dim]` into per-entry blocks `[batch, mul, 2l+1]`
// (MACE.md §1.2), the layout every equivariant block reads and writes.

import Equivariance
import Tensors

enum IrrepsBlocks {
    /// The blocks of `x` `[batch, irreps.dim]`, each `[batch, mul, 2l+1]`.
    static func split(_ x: Tensor, _ irreps: Irreps) -> [Tensor] {
        precondition(x.rank == 2 && x.shape[1] == irreps.dim, "IrrepsBlocks.split: shape \(x.shape) for \(irreps)")
        return zip(irreps.offsets, irreps.entries).map { offset, entry in
            x.sliced(axis: 1, start: offset, length: entry.dim).reshaped([x.shape[0], entry.mul, entry.irrep.dimension])
        }
    }

    /// Blocks `[batch, mul, 2l+1]` of `irreps` (nil = zeros) joined to `[batch, irreps.dim]`.
    static func join(_ blocks: [Tensor?], _ irreps: Irreps, batch: Int, dtype: DType) -> Tensor {
        let flat = zip(blocks, irreps.entries).map { block, entry in
            block?.reshaped([batch, entry.dim]) ?? Tensor.filledZeros([batch, entry.dim], dtype: dtype)
        }
        return flat.isEmpty ? Tensor.filledZeros([batch, 0], dtype: dtype) : concatenated(flat, axis: 1)
    }

    /// `x` `[batch, mul, d]` times the matrix `w` `[mul, mulOut]` on the channel axis: `[batch, mulOut, d]`.
    /// Arranged as one large matmul `[batch·d, mul] · [mul, mulOut]`.
    static func mixChannels(_ x: Tensor, _ w: Tensor) -> Tensor {
        let (batch, mul, d) = (x.shape[0], x.shape[1], x.shape[2])
        if d == 1 { return matmul(x.reshaped([batch, mul]), w).reshaped([batch, w.shape[1], 1]) }
        let rows = x.permuted([0, 2, 1]).reshaped([batch * d, mul])
        return matmul(rows, w).reshaped([batch, d, w.shape[1]]).permuted([0, 2, 1])
    }
}

extension Tensor {
    /// Zeros of a float dtype and non-negative shape chosen by the code (not by input data).
    static func filledZeros(_ shape: [Int], dtype: DType) -> Tensor {
        do {
            return try Tensor.zeros(shape, dtype: dtype)
        } catch {
            preconditionFailure("zeros of shape \(shape) and dtype \(dtype): \(error)")
        }
    }
}
