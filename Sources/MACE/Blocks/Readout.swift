// SwiftMACE, MIT licence.
// Readout: mace's LinearReadoutBlock and NonLinearReadoutBlock (MACE.md §8.1): layer features → per-node energy.

import Tensors

struct Readout {
    enum Kind {
        case linear(EquivariantLinear)
        case nonLinear(EquivariantLinear, Activation, Double, EquivariantLinear)
    }

    let featureLayer: Int
    var kind: Kind

    init(_ config: ReadoutConfig, weights: ModelWeights) throws {
        featureLayer = config.featureLayer
        switch config.kind {
        case .linear(let linear): kind = .linear(try EquivariantLinear(linear, weights: weights))
        case .nonLinear(let first, let activation, let cst, let second):
            kind = .nonLinear(try EquivariantLinear(first, weights: weights), activation, cst,
                              try EquivariantLinear(second, weights: weights))
        }
    }

    /// Features `[N, irreps.dim]` → energies `[N]`.
    func callAsFunction(_ h: Tensor) throws -> Tensor {
        let e: Tensor
        switch kind {
        case .linear(let linear): e = try linear(h)
        case .nonLinear(let first, let activation, let cst, let second): e = try second(activation(try first(h)) * cst)
        }
        return e.reshaped([h.shape[0]])
    }
}
