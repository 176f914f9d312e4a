// SwiftMACE, MIT licence.
// The e3nn-linear fast path of the polynomial Tensor op: a polynomial `uv·u -> v` whose paths are scaled
// identities, with shared weights and batched features, runs as one GEMM per path (KERNELS.md §2.6).

import Tensors

/// A linear polynomial recognised from its description: `y[seg_out][w, m] += c · Σ_u W[seg_w][u, w] x[seg_in][u, m]`.
struct SharedLinear {
    struct Path {
        let weightOffset: Int
        let inputOffset: Int
        let outputSegment: Int
        let mulIn: Int
        let mulOut: Int
        let dimension: Int
        let scale: Double
    }

    let paths: [Path]
    let outputSegments: [[Int]]

    /// The linear form of `polynomial` under `indexing`, or nil when it is not one (then the plan loops run).
    init?(_ polynomial: EquivariantPolynomial, _ indexing: OperandIndexing) {
        guard polynomial.inputs.count == 2, polynomial.outputs.count == 1, polynomial.terms.count == 1,
            indexing.inputs == [.shared, .batched], indexing.outputs == [.batched]
        else { return nil }
        let term = polynomial.terms[0]
        guard term.inputs == [0, 1], term.output == 0, term.modes == ["uv", "u", "v"] else { return nil }
        let weightOffsets = polynomial.inputs[0].segmentOffsets
        let inputOffsets = polynomial.inputs[1].segmentOffsets
        var paths: [Path] = []
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
                Path(weightOffset: weightOffsets[path.segments[0]], inputOffset: inputOffsets[path.segments[1]],
                     outputSegment: path.segments[2], mulIn: w[0], mulOut: w[1], dimension: d, scale: scale))
        }
        self.paths = paths
        outputSegments = polynomial.outputs[0].segments
    }

    /// `[N, size_in]` features and `[1, weightCount]` weights to `[N, size_out]`, in differentiable tensor ops.
    func apply(weight: Tensor, x: Tensor) throws -> Tensor {
        let n = x.shape[0]
        var blocks: [Tensor?] = Array(repeating: nil, count: outputSegments.count)
        for path in paths {
            let d = path.dimension
            // Scalars (d = 1) need no channel-last permute.
            let block = x.sliced(axis: 1, start: path.inputOffset, length: path.mulIn * d)
            let features = d == 1 ? block : block.reshaped([n, path.mulIn, d]).permuted([0, 2, 1])
                .reshaped([n * d, path.mulIn])
            let w = weight.sliced(axis: 1, start: path.weightOffset, length: path.mulIn * path.mulOut)
                .reshaped([path.mulIn, path.mulOut]) * path.scale
            let product = matmul(features, w)
            let y = d == 1 ? product : product.reshaped([n, d, path.mulOut]).permuted([0, 2, 1])
                .reshaped([n, path.mulOut * d])
            blocks[path.outputSegment] = blocks[path.outputSegment].map { $0 + y } ?? y
        }
        let parts = try zip(blocks, outputSegments).map { block, segment in
            try block ?? Tensor.zeros([n, segment.reduce(1, *)], dtype: x.dtype)
        }
        return concatenated(parts, axis: 1)
    }
}
