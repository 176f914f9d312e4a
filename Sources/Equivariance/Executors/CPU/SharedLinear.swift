// SwiftMACE, MIT licence.
// The e3nn-linear fast path of the polynomial Tensor op: a polynomial `uv·u -> v` whose paths are scaled
// identities, with shared weights and batched features, runs as one fused GEMM op (KERNELS.md §2.6).

import Tensors

/// A linear polynomial recognised from its description: `y[seg_out][w, m] += c · Σ_u W[seg_w][u, w] x[seg_in][u, m]`.
struct SharedLinear {
    let linear: GroupedLinear

    /// The linear form of `polynomial` under `indexing`, or nil when it is not one (then the plan loops run).
    init?(_ polynomial: EquivariantPolynomial, _ indexing: OperandIndexing) {
        guard polynomial.inputs.count == 2, polynomial.outputs.count == 1, polynomial.terms.count == 1,
            indexing.inputs == [.shared, .batched], indexing.outputs == [.batched]
        else { return nil }
        let term = polynomial.terms[0]
        guard term.inputs == [0, 1], term.output == 0, term.modes == ["uv", "u", "v"] else { return nil }
        let weightOffsets = polynomial.inputs[0].segmentOffsets
        let inputOffsets = polynomial.inputs[1].segmentOffsets
        let outputOffsets = polynomial.outputs[0].segmentOffsets
        var paths: [GroupedLinear.Path] = []
        for path in term.paths {
            let (w, x, y) = (polynomial.inputs[0].segments[path.segments[0]],
                             polynomial.inputs[1].segments[path.segments[1]],
                             polynomial.outputs[0].segments[path.segments[2]])
            let d = x[1]
            guard let scale = path.coefficients.first?.value, path.coefficients.count == d, y[1] == d,
                path.coefficients.enumerated().allSatisfy({ m, entry in
                    entry.indices == [0, m, m] && entry.value == scale
                })
            else { return nil }
            paths.append(
                GroupedLinear.Path(
                    inputOffset: inputOffsets[path.segments[1]], outputOffset: outputOffsets[path.segments[2]],
                    weightOffset: weightOffsets[path.segments[0]], weightRowStride: w[1], groupStride: 0,
                    mulIn: w[0], mulOut: w[1], dimension: d, scale: scale))
        }
        linear = GroupedLinear(
            paths: paths, inputSize: polynomial.inputs[1].size, outputSize: polynomial.outputs[0].size,
            weightCount: polynomial.inputs[0].size, groups: [GroupedLinear.Group(block: 0, rows: nil, factors: nil)])
    }

    /// `[N, size_in]` features and `[1, weightCount]` weights to `[N, size_out]`, as one fused differentiable op.
    func apply(weight: Tensor, x: Tensor) throws -> Tensor {
        try linear(weight: weight, x: x)
    }
}
