// SwiftMACE, MIT licence.
// SymmetricContraction: mace's ACE product basis for one output irrep (MACE.md §7.2) with the exported U matrices:
// B[b,c,M] = Σ_ν Σ_k W_ν[e(b),k,c] Σ_{i1..iν} U_ν[M,i1..iν,k] x[b,c,i1]⋯x[b,c,iν], evaluated over U's non-zeros.

import Tensors

/// One contraction `[N, C, d]` → `[N, C·(2L+1)]` (mul_ir layout of `C x L`).
struct SymmetricContraction {
    /// The non-zeros of one `U_ν`, merged over permutations of (i1…iν) since the x-product is symmetric.
    struct SparseCoupling {
        /// `[T]` int32 per factor: the components of x multiplied in each distinct monomial x_i1⋯x_iν.
        let factors: [Tensor]
        /// `[nnz]` int32: the monomial each non-zero multiplies.
        let monomials: Tensor
        /// `[nnz]` int32: output column `M·K + k`.
        let columns: Tensor
        /// `[nnz]` values.
        let values: Tensor
        let numColumns: Int
        let k: Int
    }

    let config: ProductConfig.Contraction
    let couplings: [SparseCoupling]
    /// `W_ν` `[n_el, K_ν, C]`, index ν − 1.
    var weights: [Tensor]

    init(_ config: ProductConfig.Contraction, numElements: Int, weights store: ModelWeights) throws {
        self.config = config
        var couplings: [SparseCoupling] = [], weights: [Tensor] = []
        for nu in 1...config.correlation {
            let shape = config.uShapes[nu - 1]
            let (entries, found) = try store.nonZeros(config.u[nu - 1])
            guard found == shape else {
                throw ModelError.shapeMismatch(file: store.file.file, key: config.u[nu - 1], found: found, expected: shape)
            }
            let k = shape[shape.count - 1]
            couplings.append(try Self.sparse(entries, nu: nu, d: config.couplingDim, dim: config.irrep.dimension, k: k,
                                             dtype: store.dtype))
            weights.append(try store.tensor(config.weights[nu - 1], shape: [numElements, k, config.channels]))
        }
        self.couplings = couplings
        self.weights = weights
    }

    private static func sparse(_ nonZeros: [(index: Int, value: Double)], nu: Int, d: Int, dim: Int, k: Int, dtype: DType) throws -> SparseCoupling {
        var merged: [[Int32]: Double] = [:]
        for (flat, value) in nonZeros {
            var rest = flat
            let column = rest % k
            rest /= k
            var factors = [Int32](repeating: 0, count: nu)
            for position in stride(from: nu - 1, through: 0, by: -1) {
                factors[position] = Int32(rest % d)
                rest /= d
            }
            let key = factors.sorted() + [Int32(rest * k + column)]  // rest is now M
            merged[key, default: 0] += value
        }
        let entries = merged.filter { $0.value != 0 }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        var monomials: [[Int32]] = [], monomialOfEntry: [Int32] = []
        for entry in entries {
            let factors = Array(entry.key.prefix(nu))
            if monomials.last != factors { monomials.append(factors) }
            monomialOfEntry.append(Int32(monomials.count - 1))
        }
        return SparseCoupling(
            factors: (0..<nu).map { position in Tensor(indices: monomials.map { $0[position] }) },
            monomials: Tensor(indices: monomialOfEntry),
            columns: Tensor(indices: entries.map { $0.key[nu] }),
            values: try Tensor(entries.map(\.value), shape: [entries.count], dtype: dtype),
            numColumns: dim * k, k: k)
    }

    /// - Parameters: x `[N, C, d]`, elements `[N]` int32 element indices. Returns `[N, C·(2L+1)]`.
    func callAsFunction(_ x: Tensor, elements: Tensor) throws -> Tensor {
        let (n, channels) = (x.shape[0], x.shape[1])
        let dim = config.irrep.dimension
        var total: Tensor?
        for (coupling, weight) in zip(couplings, weights) {
            var product = try gather(x, indices: coupling.factors[0], axis: 2)
            for factor in coupling.factors.dropFirst() { product = product * (try gather(x, indices: factor, axis: 2)) }
            let terms = try gather(product, indices: coupling.monomials, axis: 2) * coupling.values
            let basis = try scatterSum(terms, indices: coupling.columns, axis: 2, count: coupling.numColumns)
            let nodeWeights = try gather(weight, indices: elements, axis: 0).permuted([0, 2, 1])  // [N, C, K]
            let term = (basis.reshaped([n, channels, dim, coupling.k]) * nodeWeights.reshaped([n, channels, 1, coupling.k]))
                .sum(axis: 3)
            total = total.map { $0 + term } ?? term
        }
        return (total ?? Tensor.filledZeros([n, channels, dim], dtype: x.dtype)).reshaped([n, channels * dim])
    }
}
