// SwiftMACE, MIT licence.
// TensorProductInstruction: one path of an e3nn 0.4.4 `o3.TensorProduct` (MACE.md §5.2), with the complete
// runtime path weight.

/// How the channels of the two inputs and the weight combine in an e3nn tensor-product path (MACE.md §5.2).
public enum TensorProductConnectionMode: String, Sendable, Hashable, Codable {
    /// `z[u, k] += c · Σ_{v,i,j} w[u, v] C[i,j,k] x1[u, i] x2[v, j]` (mace's conv_tp).
    case uvu
    /// `z[w, k] += c · Σ_{u,v,i,j} w[u, v, w] C[i,j,k] x1[u, i] x2[v, j]` (FullyConnectedTensorProduct).
    case uvw
}

/// One path `(i_in1, i_in2, i_out)` of an e3nn tensor product.
public struct TensorProductInstruction: Sendable, Hashable, Codable {
    /// Entry index in the first input's irreps.
    public let input1: Int
    /// Entry index in the second input's irreps.
    public let input2: Int
    /// Entry index in the output irreps.
    public let output: Int
    public let connectionMode: TensorProductConnectionMode
    /// The row-major weight block: `[mul1, mul2]` for `uvu`, `[mul1, mul2, mul_out]` for `uvw`.
    public let pathShape: [Int]
    /// e3nn's runtime factor `√((2l_out+1) / Σ num_elements)` over the paths into the same output entry
    /// ('component' irreps and 'element' path normalisation; num_elements = mul2 for uvu, mul1·mul2 for uvw).
    public let pathWeight: Double

    /// e3nn's normalisation for `instructions` whose path shapes are set and path weights are not yet.
    static func normalised(
        _ raw: [(Int, Int, Int, [Int])], mode: TensorProductConnectionMode, outputs: Irreps
    ) -> [TensorProductInstruction] {
        func elements(_ shape: [Int]) -> Int { mode == .uvu ? shape[1] : shape[0] * shape[1] }
        return raw.map { i1, i2, o, shape in
            let fan = raw.filter { $0.2 == o }.reduce(0) { $0 + elements($1.3) }
            let dim = Double(outputs.entries[o].irrep.dimension)
            return TensorProductInstruction(
                input1: i1, input2: i2, output: o, connectionMode: mode, pathShape: shape,
                pathWeight: fan > 0 ? (dim / Double(fan)).squareRoot() : 1)
        }
    }

    /// `pathWeight · C[i, j, k]` for the non-zero Wigner 3j entries, with C = e3nn 0.4.4's `wigner_3j(l1, l2, l3)`;
    /// each as (i, j, k, value).
    func scaledWigner3j(_ l1: Int, _ l2: Int, _ l3: Int) throws -> [(Int, Int, Int, Double)] {
        let c = try Wigner3j.tensor(l1, l2, l3)
        var out: [(Int, Int, Int, Double)] = []
        for i in 0..<(2 * l1 + 1) {
            for j in 0..<(2 * l2 + 1) {
                for k in 0..<(2 * l3 + 1) where c[i, j, k] != 0 { out.append((i, j, k, pathWeight * c[i, j, k])) }
            }
        }
        return out
    }
}
