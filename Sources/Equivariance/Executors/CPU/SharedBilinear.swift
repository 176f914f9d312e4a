// SwiftMACE, MIT licence.
// The fully-connected-with-invariants fast path of the polynomial Tensor op (mace's skip_tp, e3nn's
// FullyConnectedTensorProduct with an `n x 0e` second input): one GEMM per path on the channel ⊗ invariant features.

import Tensors

/// A polynomial `uvw·u·v -> w` whose paths are scaled identities `c · δ_{ik}` (equal to 1e-14 relative: e3nn's
/// `C^(l,0,l)` entries differ in the last bit) with a one-component second input:
/// `z[seg_out][w, m] += c · Σ_{u,v} W[seg_w][u, v, w] x[seg_x][u, m] a[v]`, with a shared weight and batched x, a.
/// Runs as `(x ⊗ a) [N·d, mul·n] · W [mul·n, mul_out]` in differentiable tensor ops.
struct SharedBilinear {
    struct Path {
        let weightOffset: Int
        let inputOffset: Int
        let outputSegment: Int
        let mulIn: Int
        let invariants: Int
        let mulOut: Int
        let dimension: Int
        let scale: Double
    }

    let paths: [Path]
    let outputSegments: [[Int]]
    /// The same paths as a linear with one weight block per invariant column (its groups set per call).
    let elementLinear: GroupedLinear

    /// The bilinear form of `polynomial` under `indexing`, or nil when it is not one (then the plan loops run).
    init?(_ polynomial: EquivariantPolynomial, _ indexing: OperandIndexing) {
        guard polynomial.inputs.count == 3, polynomial.outputs.count == 1, polynomial.terms.count == 1,
            indexing.inputs == [.shared, .batched, .batched], indexing.outputs == [.batched],
            polynomial.inputs[2].segments.count == 1, polynomial.inputs[2].segments[0].last == 1
        else { return nil }
        let term = polynomial.terms[0]
        guard term.inputs == [0, 1, 2], term.output == 0, term.modes == ["uvw", "u", "v", "w"] else { return nil }
        let weightOffsets = polynomial.inputs[0].segmentOffsets
        let inputOffsets = polynomial.inputs[1].segmentOffsets
        var paths: [Path] = []
        for path in term.paths {
            let (w, x, y) = (polynomial.inputs[0].segments[path.segments[0]],
                             polynomial.inputs[1].segments[path.segments[1]],
                             polynomial.outputs[0].segments[path.segments[3]])
            guard w.count == 4, w[3] == 1, x.count == 2, y.count == 2, path.segments[2] == 0 else { return nil }
            let d = x[1]
            guard let scale = path.coefficients.first?.value, path.coefficients.count == d, y[1] == d,
                path.coefficients.enumerated().allSatisfy({ m, entry in
                    entry.indices == [0, m, 0, m] && abs(entry.value - scale) <= 1e-14 * abs(scale)
                })
            else { return nil }
            paths.append(
                Path(weightOffset: weightOffsets[path.segments[0]], inputOffset: inputOffsets[path.segments[1]],
                     outputSegment: path.segments[3], mulIn: w[0], invariants: w[1], mulOut: w[2], dimension: d,
                     scale: scale))
        }
        self.paths = paths
        outputSegments = polynomial.outputs[0].segments
        let outputOffsets = polynomial.outputs[0].segmentOffsets
        elementLinear = GroupedLinear(
            paths: paths.map { path in
                GroupedLinear.Path(
                    inputOffset: path.inputOffset, outputOffset: outputOffsets[path.outputSegment],
                    weightOffset: path.weightOffset, weightRowStride: path.invariants * path.mulOut,
                    groupStride: path.mulOut, mulIn: path.mulIn, mulOut: path.mulOut, dimension: path.dimension,
                    scale: path.scale)
            },
            inputSize: polynomial.inputs[1].size, outputSize: polynomial.outputs[0].size,
            weightCount: polynomial.inputs[0].size, groups: [])
    }

    /// `[1, weightCount]` weights, `[N, size_x]` features, `[N, n]` invariants to `[N, size_out]`.
    ///
    /// When the invariants need no gradient and each row has one non-zero entry (mace's one-hot element attributes),
    /// row `n` with entry `a[n, v]` is `a[n, v]` times the linear with weight block `W[:, v, :]`: one fused op
    /// (`GroupedLinear`) multiplies each row by its own block only. Otherwise the product `(x ⊗ a) · W` runs in
    /// tensor ops.
    func apply(weight: Tensor, x: Tensor, invariants a: Tensor) throws -> Tensor {
        if !a.requiresGrad, let groups = Self.oneHotGroups(a) {
            var linear = elementLinear
            linear.groups = groups
            return try linear(weight: weight, x: x)
        }
        return try outerProduct(weight: weight, x: x, invariants: a)
    }

    /// Rows grouped by their one non-zero invariant column, with that entry as the row's factor; nil when a row
    /// has none or several.
    private static func oneHotGroups(_ a: Tensor) -> [GroupedLinear.Group]? {
        let (n, count) = (a.shape[0], a.shape[1])
        let values = a.toArray()
        var rows = [[Int]](repeating: [], count: count)
        var factors = [[Double]](repeating: [], count: count)
        for row in 0..<n {
            let entries = (0..<count).filter { values[row * count + $0] != 0 }
            guard entries.count == 1, let v = entries.first else { return nil }
            rows[v].append(row)
            factors[v].append(values[row * count + v])
        }
        return (0..<count).filter { !rows[$0].isEmpty }.map { v in
            GroupedLinear.Group(block: v, rows: rows[v], factors: factors[v].allSatisfy { $0 == 1 } ? nil : factors[v])
        }
    }

    /// `(x ⊗ a) · W` per path in tensor ops, for invariants that need a gradient or are not one-hot.
    ///
    /// Invariant columns that are zero on every row (elements absent from the batch, with one-hot attributes)
    /// contribute exactly zero, so they and their weight rows are left out of the product when the invariants need
    /// no gradient.
    private func outerProduct(weight: Tensor, x: Tensor, invariants a: Tensor) throws -> Tensor {
        let n = x.shape[0]
        let all = a.shape[1]
        let values = a.requiresGrad ? [] : a.toArray()
        let nonZero = (0..<all).filter { v in (0..<n).contains { values[$0 * all + v] != 0 } }
        let used = a.requiresGrad || nonZero.isEmpty ? Array(0..<all) : nonZero
        let usedIndex = Tensor(indices: used.map { Int32($0) })
        let invariants = used.count == all ? a : try gather(a, indices: usedIndex, axis: 1)
        var blocks: [Tensor?] = Array(repeating: nil, count: outputSegments.count)
        for path in paths {
            let (d, k) = (path.dimension, path.mulIn * used.count)
            let block = x.sliced(axis: 1, start: path.inputOffset, length: path.mulIn * d).reshaped([n, path.mulIn, 1, d])
            let products = block * invariants.reshaped([n, 1, used.count, 1])  // [N, mul, n_used, d]
            let rows = d == 1 ? products.reshaped([n, k]) : products.reshaped([n, k, d]).permuted([0, 2, 1]).reshaped([n * d, k])
            var w = weight.sliced(axis: 1, start: path.weightOffset, length: path.mulIn * all * path.mulOut)
            if used.count < all {
                w = try gather(w.reshaped([path.mulIn, all, path.mulOut]), indices: usedIndex, axis: 1)
            }
            w = w.reshaped([k, path.mulOut]) * path.scale
            var y = matmul(rows, w)
            if d > 1 { y = y.reshaped([n, d, path.mulOut]).permuted([0, 2, 1]) }
            y = y.reshaped([n, path.mulOut * d])
            blocks[path.outputSegment] = blocks[path.outputSegment].map { $0 + y } ?? y
        }
        let parts = try zip(blocks, outputSegments).map { block, segment in
            try block ?? Tensor.zeros([n, segment.reduce(1, *)], dtype: x.dtype)
        }
        return concatenated(parts, axis: 1)
    }
}
