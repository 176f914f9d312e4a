// SwiftMACE, MIT licence.
// GEMMRunner: the model's cuBLAS calls in one scalar type on one stream, and uploads in that type.

import CUDA
import Equivariance

/// cuBLAS GEMMs and host→device copies in the model's scalar type (true float32 or float64, no TF32).
struct GEMMRunner {
    let context: CUDAContext
    let cublas: CuBLAS
    let stream: CUDAStream
    let scalar: KernelScalar

    var elementSize: Int { scalar.byteSize }
    var dataType: GEMMDataType { scalar == .float32 ? .float32 : .float64 }
    var computeType: GEMMComputeType { scalar == .float32 ? .float32 : .float64 }

    /// Row-major `C = alpha · op(A) · op(B) + beta · C` on sub-matrices; `tf32` lets float32 operands round to
    /// TF32 on the tensor cores (float32 accumulation).
    func gemm(
        m: Int, n: Int, k: Int, a: GEMMOperand, transposeA: Bool = false, b: GEMMOperand, transposeB: Bool = false,
        c: GEMMOperand, alpha: Double = 1, beta: Double = 0, batchCount: Int = 1, tf32: Bool = false
    ) throws {
        guard m > 0, n > 0, k > 0, batchCount > 0 else { return }
        try cublas.gemm(
            m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB, c: c, dataType: dataType,
            computeType: tf32 && scalar == .float32 ? .float32FastTF32 : computeType, alpha: alpha, beta: beta,
            batchCount: batchCount, stream: stream)
    }

    /// A device buffer holding `values` in the scalar type (one element when empty, so it has an address).
    func upload(_ values: [Double]) throws -> DeviceBuffer {
        let padded = values.isEmpty ? [0] : values
        switch scalar {
        case .float32: return try DeviceBuffer(context: context, copying: padded.map { Float($0) }, stream: stream)
        case .float64: return try DeviceBuffer(context: context, copying: padded, stream: stream)
        }
    }

    /// An uninitialised buffer of `count` scalars (at least one).
    func buffer(_ count: Int) throws -> DeviceBuffer {
        try DeviceBuffer(context: context, byteCount: max(count, 1) * elementSize, stream: stream)
    }

    func download(_ buffer: DeviceBuffer, count: Int) throws -> [Double] {
        switch scalar {
        case .float32: try buffer.toArray(of: Float.self, count: count, stream: stream).map(Double.init)
        case .float64: try buffer.toArray(of: Double.self, count: count, stream: stream)
        }
    }
}

/// A feature matrix on the device: `rows` rows of `width` scalars (ir_mul), starting at `address`.
struct FeatureView {
    let address: UInt64
    let width: Int

    init(_ buffer: DeviceBuffer, width: Int) {
        address = buffer.address
        self.width = width
    }

    /// The GEMM operand of one irrep segment (offset `offset`, multiplicity `mul`) from row `row`, one batch per
    /// component: component m of row n is at `(row + n)·width + offset + m·mul`.
    func segment(offset: Int, mul: Int, row: Int = 0, elementSize: Int) -> GEMMOperand {
        GEMMOperand(
            address: address &+ UInt64((row * width + offset) * elementSize), leadingDimension: width, batchStride: mul)
    }
}
