// SwiftMACE, MIT licence.
// ProductBlock: mace's EquivariantProductBasisBlock (MACE.md §7.1): reshape the message to [N, C, (lmax+1)²], one
// symmetric contraction per output irrep, a linear, plus the residual `sc`.

import Equivariance
import Tensors

struct ProductBlock {
    let config: ProductConfig
    var contractions: [SymmetricContraction]
    var linear: EquivariantLinear

    init(_ config: ProductConfig, numElements: Int, weights: ModelWeights) throws {
        self.config = config
        contractions = try config.contractions.map { try SymmetricContraction($0, numElements: numElements, weights: weights) }
        linear = try EquivariantLinear(config.linear, weights: weights)
    }

    /// message `[N, irrepsIn.dim]`, sc `[N, irrepsOut.dim]` or nil → `[N, irrepsOut.dim]`.
    func callAsFunction(_ message: Tensor, sc: Tensor?, elements: Tensor) throws -> Tensor {
        // mace's reshape_irreps: blocks [N, C, 2l+1] concatenated on the last axis (MACE.md §1.3).
        let x = concatenated(IrrepsBlocks.split(message, config.irrepsIn), axis: 2)
        let b = concatenated(try contractions.map { try $0(x, elements: elements) }, axis: 1)
        let h = linear(b)
        if config.useSC, let sc { return h + sc }
        return h
    }
}
