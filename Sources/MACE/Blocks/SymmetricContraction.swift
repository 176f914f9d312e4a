// SwiftMACE, MIT licence.
// SymmetricContraction: mace's SymmetricContractions of one product block (ACE product basis, MACE.md §7.2), one per
// output irrep: owns the weights W_ν and runs Equivariance's `SymmetricContractionDescriptor`, built with the
// exported U matrices, through the CPUExecutor Tensor op with the weight rows selected by element.

import Equivariance
import Tensors

/// `B[b][c, M] = Σ_ν Σ_k W_ν[e(b), k, c] Σ_{i1..iν} U_ν[M, i1..iν, k] x[b][c, i1]⋯x[b][c, iν]` for every output irrep.
struct SymmetricContraction {
    let configs: [ProductConfig.Contraction]
    let descriptor: SymmetricContractionDescriptor
    /// `weights[o][ν − 1]`: `W_ν` `[n_el, K_ν, C]` of contraction `o`.
    var weights: [[Tensor]]

    init(_ config: ProductConfig, numElements: Int, weights store: ModelWeights) throws {
        configs = config.contractions
        var uMatrices: [[DenseArray]] = [], weights: [[Tensor]] = []
        for contraction in config.contractions {
            var row: [DenseArray] = [], rowWeights: [Tensor] = []
            for nu in 1...contraction.correlation {
                let key = contraction.u[nu - 1], shape = contraction.uShapes[nu - 1]
                let (values, found) = try store.floats(key)
                guard found == shape else { throw ModelError.shapeMismatch(file: store.file.file, key: key, found: found, expected: shape) }
                row.append(DenseArray(shape: shape, values: values))
                rowWeights.append(try store.tensor(contraction.weights[nu - 1],
                                                   shape: [numElements, shape[shape.count - 1], contraction.channels]))
            }
            uMatrices.append(row)
            weights.append(rowWeights)
        }
        let correlation = config.contractions.first?.correlation ?? 1
        guard config.contractions.allSatisfy({ $0.correlation == correlation }) else {
            throw ModelError.invalidConfig(file: store.file.file, key: "contractions",
                                           reason: "every contraction of a product block must have the same correlation")
        }
        do {
            descriptor = try SymmetricContractionDescriptor(
                irrepsIn: config.irrepsIn, irrepsOut: config.irrepsOut, correlation: correlation,
                elementCount: numElements, uMatrices: uMatrices)
        } catch {
            throw ModelError.invalidConfig(file: store.file.file, key: config.contractions.first?.u.first ?? "contractions",
                                           reason: "\(error)")
        }
        self.weights = weights
    }

    /// - Parameters: x `[N, irrepsIn.dim]` mul_ir (the message), elements `[N]` element indices.
    /// - Returns: the contractions' outputs concatenated, `[N, irrepsOut.dim]` mul_ir.
    func callAsFunction(_ x: Tensor, elements: [Int]) throws -> Tensor {
        let rows = weights.first?.first?.shape[0] ?? 0
        let flat = weights.flatMap { $0.map { $0.reshaped([$0.shape[0], $0.shape[1] * $0.shape[2]]) } }
        let indexing = OperandIndexing(
            inputs: Array(repeating: .indexed(elements, rows: rows), count: flat.count) + [.batched], outputs: [.batched])
        return try CPUExecutor().evaluate(descriptor.polynomial, batchSize: x.shape[0], inputs: flat + [x],
                                          indexing: indexing)[0]
    }
}
