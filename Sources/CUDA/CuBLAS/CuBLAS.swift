// SwiftMACE, MIT licence.
// CuBLAS: a cuBLAS handle on a context and row-major GEMM (single and strided-batched) over DeviceBuffers.

import Foundation

/// A cuBLAS handle for one context. Thread-safe (calls on one handle are serialised).
public final class CuBLAS: @unchecked Sendable {
    /// The context the handle belongs to.
    public let context: CUDAContext
    /// cuBLAS version as cuBLAS encodes it (e.g. 130100 for 13.1.0).
    public let version: Int
    private let api: CuBLASAPI
    private let handle: CuBLASAPI.Handle
    private let lock = NSLock()

    /// Loads cuBLAS and creates a handle on `context`.
    /// - Throws: `CUDAError.libraryNotFound` when cuBLAS is not installed; `CUDAError.cublas`.
    public init(context: CUDAContext) throws {
        self.context = context
        api = try CuBLASAPI.load()
        try context.makeCurrent()
        var created: CuBLASAPI.Handle?
        try api.check(api.cublasCreate(&created), "cublasCreate_v2")
        guard let created else { throw CUDAError.cublas(call: "cublasCreate_v2", code: 0, name: "no handle") }
        handle = created
        var version: Int32 = 0
        try api.check(api.cublasGetVersion(created, &version), "cublasGetVersion_v2")
        self.version = Int(version)
        try api.check(api.cublasSetMathMode(created, CuBLASAPI.defaultMath), "cublasSetMathMode")
    }

    deinit {
        _ = api.cublasDestroy(handle)
    }

    /// Row-major C = alpha · op(A) · op(B) + beta · C, for `batchCount` matrices stored one after another.
    ///
    /// Shapes (row-major, per batch): op(A) is [m, k] (A stored [m, k], or [k, m] when `transposeA`), op(B) is
    /// [k, n] (B stored [k, n], or [n, k] when `transposeB`), C is [m, n]. A and B hold `dataType`, C holds
    /// `outputType` (default: `dataType`). Queued on `stream`.
    /// - Throws: `CUDAError.invalidArgument` for sizes outside 1...Int32.max, buffers too small, or a compute type
    ///   that does not fit the data type; `CUDAError.cublas` naming the call and status.
    public func gemm(
        m: Int, n: Int, k: Int, a: DeviceBuffer, transposeA: Bool = false, b: DeviceBuffer, transposeB: Bool = false,
        c: DeviceBuffer, dataType: GEMMDataType, outputType: GEMMDataType? = nil, computeType: GEMMComputeType,
        alpha: Double = 1, beta: Double = 0, batchCount: Int = 1, stream: CUDAStream
    ) throws {
        let outputType = outputType ?? dataType
        try Self.validate(
            m: m, n: n, k: k, batchCount: batchCount, dataType: dataType, outputType: outputType,
            computeType: computeType)
        for (name, buffer, rows, columns, type) in [
            ("A", a, m, k, dataType), ("B", b, k, n, dataType), ("C", c, m, n, outputType),
        ] {
            let needed = Self.byteCount(rows, columns, batchCount, type.byteSize)
            guard let needed, buffer.byteCount >= needed else {
                throw CUDAError.invalidArgument(
                    "gemm: \(name) needs \(needed.map(String.init) ?? "more than Int.max") bytes; buffer has "
                        + "\(buffer.byteCount)")
            }
        }
        try stridedGEMM(
            m: m, n: n, k: k, a: GEMMOperand(address: a.address, leadingDimension: transposeA ? m : k, batchStride: m * k),
            transposeA: transposeA,
            b: GEMMOperand(address: b.address, leadingDimension: transposeB ? k : n, batchStride: k * n),
            transposeB: transposeB, c: GEMMOperand(address: c.address, leadingDimension: n, batchStride: m * n),
            dataType: dataType, outputType: outputType, computeType: computeType, alpha: alpha, beta: beta,
            batchCount: batchCount, stream: stream)
    }

    /// The call behind both `gemm` forms (operands already checked). cuBLAS is column-major: a row-major `[r, c]`
    /// matrix is its column-major transpose with leading dimension c, so this computes Cᵀ = op(B)ᵀ · op(A)ᵀ: B first,
    /// A second, m and n swapped, transpose flags unchanged.
    func stridedGEMM(
        m: Int, n: Int, k: Int, a: GEMMOperand, transposeA: Bool, b: GEMMOperand, transposeB: Bool, c: GEMMOperand,
        dataType: GEMMDataType, outputType: GEMMDataType, computeType: GEMMComputeType, alpha: Double, beta: Double,
        batchCount: Int, stream: CUDAStream
    ) throws {
        var alpha64 = alpha
        var beta64 = beta
        var alpha32 = Float(alpha)
        var beta32 = Float(beta)
        lock.lock()
        defer { lock.unlock() }
        try context.makeCurrent()
        try api.check(api.cublasSetStream(handle, stream.handle), "cublasSetStream_v2")
        let double = computeType.usesDoubleScalars
        try withUnsafeBytes(of: &alpha64) { alphaDouble in
            try withUnsafeBytes(of: &beta64) { betaDouble in
                try withUnsafeBytes(of: &alpha32) { alphaFloat in
                    try withUnsafeBytes(of: &beta32) { betaFloat in
                        guard let alphaPointer = (double ? alphaDouble : alphaFloat).baseAddress,
                            let betaPointer = (double ? betaDouble : betaFloat).baseAddress
                        else { return }
                        try api.check(
                            api.cublasGemmStridedBatchedEx(
                                handle, transposeB ? 1 : 0, transposeA ? 1 : 0, Int32(n), Int32(m), Int32(k),
                                alphaPointer, UnsafeRawPointer(bitPattern: UInt(b.address)), dataType.cudaValue,
                                Int32(b.leadingDimension), Int64(b.batchStride),
                                UnsafeRawPointer(bitPattern: UInt(a.address)), dataType.cudaValue,
                                Int32(a.leadingDimension), Int64(a.batchStride), betaPointer,
                                UnsafeMutableRawPointer(bitPattern: UInt(c.address)), outputType.cudaValue,
                                Int32(c.leadingDimension), Int64(c.batchStride), Int32(batchCount),
                                computeType.cublasValue, CuBLASAPI.gemmDefaultAlgorithm),
                            "cublasGemmStridedBatchedEx(\(dataType) → \(outputType), m \(m), n \(n), k \(k), "
                                + "batch \(batchCount))")
                    }
                }
            }
        }
    }

    /// rows × columns × batch × elementSize, or nil on overflow.
    static func byteCount(_ rows: Int, _ columns: Int, _ batch: Int, _ elementSize: Int) -> Int? {
        var total = 1
        for factor in [rows, columns, batch, elementSize] {
            let (product, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            total = product
        }
        return total
    }

    static func validate(
        m: Int, n: Int, k: Int, batchCount: Int, dataType: GEMMDataType, outputType: GEMMDataType,
        computeType: GEMMComputeType
    ) throws {
        let limit = Int(Int32.max)
        guard [m, n, k, batchCount].allSatisfy({ $0 >= 1 && $0 <= limit }) else {
            throw CUDAError.invalidArgument(
                "gemm sizes m \(m), n \(n), k \(k), batch \(batchCount); expected each in 1...\(limit)")
        }
        switch (computeType, dataType) {
        case (.float64, .float64), (.float32, .float32), (.float32, .float16), (.float32, .bfloat16),
            (.float32FastTF32, .float32):
            break
        default:
            throw CUDAError.invalidArgument("gemm: compute type \(computeType) does not take \(dataType) operands")
        }
        let outputFits = outputType == dataType || (outputType == .float32 && computeType == .float32)
        guard outputFits else {
            throw CUDAError.invalidArgument("gemm: \(dataType) operands cannot write \(outputType) output")
        }
    }
}
