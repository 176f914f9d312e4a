// SwiftMACE, MIT licence.
// GEMMRunner: the model's cuBLAS calls on one stream as its precision policy says (float64, float32, TF32, or 16-bit
// operands with float32 accumulation), and uploads in those types.

import CUDA
import Equivariance

/// cuBLAS GEMMs and host→device copies for one model: scalars in its dtype; with a 16-bit policy the GEMMs that
/// take ``half`` operands (``halfGEMM``) and the weights they read (``uploadWeights(_:)``).
struct GEMMRunner {
    let context: CUDAContext
    let cublas: CuBLAS
    let stream: CUDAStream
    let precision: PrecisionPolicy

    var scalar: KernelScalar { precision.dtype == .float32 ? .float32 : .float64 }
    var elementSize: Int { scalar.byteSize }
    var dataType: GEMMDataType { scalar == .float32 ? .float32 : .float64 }
    /// The 16-bit GEMM operand type, or nil (GEMMs in the scalar type).
    var half: HalfStorage? { precision.halfStorage }
    /// Bytes per element of GEMM weights (``uploadWeights(_:)``).
    var weightSize: Int { half == nil ? elementSize : 2 }

    /// Row-major `C = alpha · op(A) · op(B) + beta · C` on sub-matrices in the scalar type; float32 operands round
    /// to TF32 on the tensor cores (float32 accumulation) when `tf32` or the policy says so.
    func gemm(
        m: Int, n: Int, k: Int, a: GEMMOperand, transposeA: Bool = false, b: GEMMOperand, transposeB: Bool = false,
        c: GEMMOperand, alpha: Double = 1, beta: Double = 0, batchCount: Int = 1, tf32: Bool = false
    ) throws {
        guard m > 0, n > 0, k > 0, batchCount > 0 else { return }
        let computeType: GEMMComputeType = scalar == .float64
            ? .float64 : (tf32 || precision.usesTF32 ? .float32FastTF32 : .float32)
        try cublas.gemm(
            m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB, c: c, dataType: dataType,
            computeType: computeType, alpha: alpha, beta: beta, batchCount: batchCount, stream: stream)
    }

    /// The same with A and B in the policy's 16-bit type (``half``, which must be set) and float32 accumulation;
    /// C is float32, or 16-bit when `halfOutput`.
    func halfGEMM(
        m: Int, n: Int, k: Int, a: GEMMOperand, b: GEMMOperand, transposeB: Bool = false, c: GEMMOperand,
        beta: Double = 0, batchCount: Int = 1, halfOutput: Bool = false
    ) throws {
        guard m > 0, n > 0, k > 0, batchCount > 0, let half else { return }
        try cublas.gemm(
            m: m, n: n, k: k, a: a, b: b, transposeB: transposeB, c: c, dataType: half.gemmType,
            outputType: halfOutput ? half.gemmType : .float32, computeType: .float32, beta: beta,
            batchCount: batchCount, stream: stream)
    }

    /// GEMM weights on the device: in the 16-bit type under a 16-bit policy, else as ``upload(_:)``.
    func uploadWeights(_ values: [Double]) throws -> DeviceBuffer {
        guard let half else { return try upload(values) }
        let padded = values.isEmpty ? [0] : values
        return try DeviceBuffer(context: context, copying: padded.map { half.bits($0) }, stream: stream)
    }

    /// Replaces a buffer's first values (in the scalar type).
    func overwrite(_ buffer: DeviceBuffer, with values: [Double]) throws {
        switch scalar {
        case .float32: try buffer.copy(from: values.map { Float($0) }, stream: stream)
        case .float64: try buffer.copy(from: values, stream: stream)
        }
    }

    /// Replaces GEMM weights uploaded by ``uploadWeights(_:)`` (same count, same type).
    func overwriteWeights(_ buffer: DeviceBuffer, with values: [Double]) throws {
        guard let half else { return try overwrite(buffer, with: values) }
        try buffer.copy(from: values.map { half.bits($0) }, stream: stream)
    }

    /// An uninitialised buffer of `count` 16-bit values (at least one).
    func halfBuffer(_ count: Int) throws -> DeviceBuffer {
        try DeviceBuffer(context: context, byteCount: max(count, 1) * 2, stream: stream)
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
