// SwiftMACE, MIT licence.
// ProductBlock: mace's EquivariantProductBasisBlock (MACE.md §7.1): the symmetric contractions on the message (mul_ir,
// no reshape needed: the descriptor reads mace's [N, C, (lmax+1)²] view in place), a linear, plus the residual `sc`.

import Equivariance
import Tensors

struct ProductBlock {
    let config: ProductConfig
    var contraction: SymmetricContraction
    var linear: EquivariantLinear

    init(_ config: ProductConfig, numElements: Int, weights: ModelWeights) throws {
        self.config = config
        contraction = try SymmetricContraction(config, numElements: numElements, weights: weights)
        linear = try EquivariantLinear(config.linear, weights: weights)
    }

    /// message `[N, irrepsIn.dim]`, sc `[N, irrepsOut.dim]` or nil, elements `[N]` → `[N, irrepsOut.dim]`.
    func callAsFunction(_ message: Tensor, sc: Tensor?, elements: [Int]) throws -> Tensor {
        let b = try profiled("symmetric contraction") { try contraction(message, elements: elements) }
        let h = try profiled("linears") { try linear(b) }
        if config.useSC, let sc { return h + sc }
        return h
    }
}
