// SwiftMACE, MIT licence.
// The element and compute types of a cuBLAS GEMM, with their cudaDataType / cublasComputeType_t values.

/// Element type of a GEMM operand (`cudaDataType`).
public enum GEMMDataType: String, Sendable, CaseIterable {
    case float64, float32, float16, bfloat16

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .float64: 8
        case .float32: 4
        case .float16, .bfloat16: 2
        }
    }

    /// `CUDA_R_64F`, `CUDA_R_32F`, `CUDA_R_16F`, `CUDA_R_16BF`.
    var cudaValue: Int32 {
        switch self {
        case .float64: 1
        case .float32: 0
        case .float16: 2
        case .bfloat16: 14
        }
    }
}

/// How a GEMM computes (`cublasComputeType_t`): the precision of products and sums.
public enum GEMMComputeType: String, Sendable, CaseIterable {
    /// IEEE float64 throughout (float64 operands only).
    case float64
    /// IEEE float32 arithmetic (float32, float16 or bfloat16 operands); no TF32 shortcut.
    case float32
    /// float32 operands rounded to TF32 (10-bit mantissa) on tensor cores, float32 accumulation.
    case float32FastTF32

    /// `CUBLAS_COMPUTE_64F`, `CUBLAS_COMPUTE_32F`, `CUBLAS_COMPUTE_32F_FAST_TF32`.
    var cublasValue: Int32 {
        switch self {
        case .float64: 70
        case .float32: 68
        case .float32FastTF32: 77
        }
    }

    /// Whether alpha and beta are passed as Double (else Float).
    var usesDoubleScalars: Bool { self == .float64 }
}
