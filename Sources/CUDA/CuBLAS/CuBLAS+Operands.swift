// SwiftMACE, MIT licence.
// Row-major GEMM on sub-matrices: operands given by device address, row stride and batch stride, so a GEMM can
// read one irrep segment of a feature row, or broadcast one weight matrix over a batch (batch stride 0).

/// One GEMM operand inside device memory: a row-major matrix whose rows are `leadingDimension` elements apart,
/// and, in a batched GEMM, whose successive matrices are `batchStride` elements apart (0: the same matrix).
public struct GEMMOperand: Sendable, Hashable {
    /// Device address of element [0, 0] of the first matrix.
    public var address: UInt64
    /// Elements from one row to the next (≥ the stored row length).
    public var leadingDimension: Int
    /// Elements from one batch's matrix to the next.
    public var batchStride: Int

    public init(address: UInt64, leadingDimension: Int, batchStride: Int = 0) {
        self.address = address
        self.leadingDimension = leadingDimension
        self.batchStride = batchStride
    }

    /// The operand `elements` elements further on (of `elementSize` bytes each).
    public func offset(by elements: Int, elementSize: Int) -> GEMMOperand {
        GEMMOperand(
            address: address &+ UInt64(elements * elementSize), leadingDimension: leadingDimension,
            batchStride: batchStride)
    }
}

extension CuBLAS {
    /// Row-major `C = alpha · op(A) · op(B) + beta · C` for `batchCount` matrices located by ``GEMMOperand``s.
    ///
    /// op(A) is [m, k] (A stored [m, k], or [k, m] when `transposeA`), op(B) is [k, n], C is [m, n]; each stored
    /// row-major with its operand's leading dimension. A and B hold `dataType`, C `outputType` (default
    /// `dataType`; float32 for float16/bfloat16 operands with float32 compute). The caller guarantees that the
    /// memory exists (no buffer to check against); sizes and leading dimensions are checked.
    /// - Throws: `CUDAError.invalidArgument` for sizes outside 1...Int32.max, a leading dimension shorter than the
    ///   stored row, or a bad type combination; `CUDAError.cublas` naming the call.
    public func gemm(
        m: Int, n: Int, k: Int, a: GEMMOperand, transposeA: Bool = false, b: GEMMOperand, transposeB: Bool = false,
        c: GEMMOperand, dataType: GEMMDataType, outputType: GEMMDataType? = nil, computeType: GEMMComputeType,
        alpha: Double = 1, beta: Double = 0, batchCount: Int = 1, stream: CUDAStream
    ) throws {
        let outputType = outputType ?? dataType
        try Self.validate(
            m: m, n: n, k: k, batchCount: batchCount, dataType: dataType, outputType: outputType,
            computeType: computeType)
        let rowLengths = [("A", a, transposeA ? m : k), ("B", b, transposeB ? k : n), ("C", c, n)]
        for (name, operand, row) in rowLengths {
            guard operand.leadingDimension >= row, operand.leadingDimension <= Int(Int32.max), operand.batchStride >= 0
            else {
                throw CUDAError.invalidArgument(
                    "gemm: \(name) has leading dimension \(operand.leadingDimension) and batch stride "
                        + "\(operand.batchStride); expected a leading dimension ≥ \(row) and a stride ≥ 0")
            }
        }
        try stridedGEMM(
            m: m, n: n, k: k, a: a, transposeA: transposeA, b: b, transposeB: transposeB, c: c, dataType: dataType,
            outputType: outputType, computeType: computeType, alpha: alpha, beta: beta, batchCount: batchCount,
            stream: stream)
    }
}
