// SwiftMACE, MIT licence.
// Indexing ops along one axis with int32 indices: gather (torch index_select) and scatterSum
// (index_add into zeros). Gradient rules: Autodiff/Gradients+Indexing.swift.

/// Rows of `x` picked by `indices` along `axis` (torch `index_select`): result slice j is
/// `x` slice `indices[j]`. Shape: `x.shape` with `axis` replaced by `indices.count`.
/// In MACE: node features to edges, `h[sender]` (`[numNodes, C] -> [numEdges, C]`).
/// - Parameter indices: 1-D int32.
/// - Throws: `TensorError.unsupported` when `indices` is not 1-D int32; `.indexOutOfRange` for an index
///   outside `0..<x.dim(axis)`.
public func gather(_ x: Tensor, indices: Tensor, axis: Int = 0) throws -> Tensor {
    let axis = Shape.normalizedAxis(axis, rank: x.rank)
    try checkIndices(indices, count: x.shape[axis], operation: "gather")
    return gatherUnchecked(x, indices: indices, axis: axis)
}

/// Sums slices of `x` into `count` slots along `axis` (torch `index_add` into zeros, the
/// `scatter_sum` of MACE): result slot i = Σ_{j: indices[j] = i} `x` slice j. Shape: `x.shape` with
/// `axis` replaced by `count`. Deterministic: each slot is summed in index order.
/// In MACE: messages to receivers (`[numEdges, C] -> [numNodes, C]`).
/// - Parameter indices: 1-D int32 with `indices.count == x.dim(axis)`.
/// - Throws: `TensorError.unsupported` when `indices` is not 1-D int32, `.shapeMismatch` when its
///   length is not `x.dim(axis)`, `.indexOutOfRange` for an index outside `0..<count`.
public func scatterSum(_ x: Tensor, indices: Tensor, axis: Int = 0, count: Int) throws -> Tensor {
    let axis = Shape.normalizedAxis(axis, rank: x.rank)
    guard indices.elementCount == x.shape[axis] else {
        throw TensorError.shapeMismatch("scatterSum: indices", found: indices.shape, expected: [x.shape[axis]])
    }
    guard count >= 0 else { throw TensorError.invalidShape([count]) }
    try checkIndices(indices, count: count, operation: "scatterSum")
    return scatterSumUnchecked(x, indices: indices, axis: axis, count: count)
}

extension Tensor {
    /// `gather(self, indices: indices, axis: axis)`.
    public func gathered(indices: Tensor, axis: Int = 0) throws -> Tensor { try gather(self, indices: indices, axis: axis) }
}

/// Gather with indices already known to be in range (gradient rules).
func gatherUnchecked(_ x: Tensor, indices: Tensor, axis: Int) -> Tensor {
    var shape = x.shape
    shape[axis] = indices.elementCount
    let buffer = CPUBackend.shared.gather(x, indices: indices, axis: axis)
    return Tensor.record(buffer: buffer, shape: shape, dtype: x.dtype, inputs: [x],
                         rule: IndexingGradients.gather(indices: indices, axis: axis, count: x.shape[axis]))
}

/// Scatter-sum with indices already known to be in range (gradient rules).
func scatterSumUnchecked(_ x: Tensor, indices: Tensor, axis: Int, count: Int) -> Tensor {
    precondition(x.dtype == .float64 || x.dtype == .float32, "scatterSum: dtype \(x.dtype) of shape \(x.shape) is not float")
    var shape = x.shape
    shape[axis] = count
    let buffer = CPUBackend.shared.scatterSum(x, indices: indices, axis: axis, count: count)
    return Tensor.record(buffer: buffer, shape: shape, dtype: x.dtype, inputs: [x],
                         rule: IndexingGradients.scatterSum(indices: indices, axis: axis))
}

/// Indices must be 1-D int32 values in `0..<count`: they come from data (neighbour lists), so
/// they are checked on every call and never read or write out of bounds.
private func checkIndices(_ indices: Tensor, count: Int, operation: String) throws {
    guard indices.dtype == .int32, indices.rank == 1 else {
        throw TensorError.unsupported("\(operation): indices have shape \(indices.shape) and dtype \(indices.dtype); expected 1-D int32")
    }
    try indices.withUnsafeBufferPointer(as: Int32.self) { values in
        for (position, index) in values.enumerated() where index < 0 || Int(index) >= count {
            throw TensorError.indexOutOfRange(operation: operation, index: Int(index), position: position, count: count)
        }
    }
}
