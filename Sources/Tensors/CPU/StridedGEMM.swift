// SwiftMACE, MIT licence.
// The matmul micro-kernels for callers above this layer (Equivariance's fused linears): C = A · B on raw pointers,
// A and B with any row and column strides, so a caller multiplies views of its own buffers without copies.

/// One SIMD register per vector: 256-bit on an AVX2 + FMA build, 128-bit on baseline x86-64.
#if SWIFTMACE_FMA
    typealias DoubleVector = SIMD4<Double>
    typealias FloatVector = SIMD8<Float>
#else
    typealias DoubleVector = SIMD2<Double>
    typealias FloatVector = SIMD4<Float>
#endif

/// A strided operand of `StridedGEMM`: element (i, j) at `base + i · rowStride + j · columnStride`.
package struct StridedMatrix<T> {
    package let base: UnsafePointer<T>
    package let rowStride: Int
    package let columnStride: Int

    package init(_ base: UnsafePointer<T>, rowStride: Int, columnStride: Int) {
        self.base = base
        self.rowStride = rowStride
        self.columnStride = columnStride
    }
}

package enum StridedGEMM {
    /// `C[m, n] = A[m, k] · B[k, n]` (overwritten), C contiguous rows of stride `ldc`. Large products are split
    /// into tiles over all cores (each element of C written by one thread).
    /// - Precondition: `T` is `Double` or `Float`.
    package static func multiply<T: BinaryFloatingPoint>(
        m: Int, n: Int, k: Int, a: StridedMatrix<T>, b: StridedMatrix<T>, c: UnsafeMutablePointer<T>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        func operand<U>(_ x: StridedMatrix<T>, as _: U.Type) -> MatrixOperand<U> {
            MatrixOperand(base: UnsafeRawPointer(x.base).assumingMemoryBound(to: U.self),
                          rowStride: x.rowStride, columnStride: x.columnStride)
        }
        if T.self == Double.self {
            MatmulKernels.multiply(
                DoubleVector.self, m: m, n: n, k: k, a: operand(a, as: Double.self), b: operand(b, as: Double.self),
                c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), ldc: ldc)
        } else if T.self == Float.self {
            MatmulKernels.multiply(
                FloatVector.self, m: m, n: n, k: k, a: operand(a, as: Float.self), b: operand(b, as: Float.self),
                c: UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc: ldc)
        } else {
            preconditionFailure("StridedGEMM: element type \(T.self) is not Double or Float")
        }
    }
}
