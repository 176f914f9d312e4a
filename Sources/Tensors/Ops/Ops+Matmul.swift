// SwiftMACE, MIT licence.
// Matrix products: matmul (2-D and batched with broadcast batch dimensions) and outer.
// Gradient rules: Autodiff/Gradients+Matmul.swift; kernel: CPU/MatmulKernels.swift.

/// The matrix product `a[..., m, k] · b[..., k, n] -> [..., m, n]`; batch dimensions broadcast
/// (numpy `matmul` for rank ≥ 2). Blocked, SIMD and multi-threaded on the CPU.
/// - Precondition: ranks ≥ 2, inner dimensions equal, batch dimensions broadcast, same float dtype.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank >= 2 && b.rank >= 2, "matmul: shapes \(a.shape) and \(b.shape) need rank >= 2")
    precondition(a.dtype == b.dtype && (a.dtype == .float64 || a.dtype == .float32),
                 "matmul: dtypes \(a.dtype) and \(b.dtype) differ or are not float (shapes \(a.shape), \(b.shape))")
    let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
    precondition(b.shape[b.rank - 2] == k, "matmul: inner dimensions of \(a.shape) and \(b.shape) differ")
    guard let batchShape = Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
        preconditionFailure("matmul: batch dimensions of \(a.shape) and \(b.shape) do not broadcast")
    }
    let buffer = CPUBackend.shared.matmul(a, b, batchShape: batchShape)
    return Tensor.record(buffer: buffer, shape: batchShape + [m, n], dtype: a.dtype, inputs: [a, b],
                         rule: MatmulGradients.matmul)
}

/// The outer product of two vectors: `a[n], b[m] -> [n, m]`.
public func outer(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 1 && b.rank == 1, "outer: shapes \(a.shape) and \(b.shape) must be 1-D")
    return a.reshaped([a.elementCount, 1]) * b.reshaped([1, b.elementCount])
}

extension Tensor {
    /// `matmul(self, other)`.
    public func matmul(_ other: Tensor) -> Tensor { Tensors.matmul(self, other) }
}
