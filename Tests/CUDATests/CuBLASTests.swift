// SwiftMACE, MIT licence.
// GEMM argument checks that need no GPU: sizes, type combinations, byte counts that would overflow.

import Testing

@testable import CUDA

@Suite struct CuBLASTests {
    @Test func acceptsTheSupportedTypeCombinations() throws {
        for (data, output, compute) in [
            (GEMMDataType.float64, GEMMDataType.float64, GEMMComputeType.float64), (.float32, .float32, .float32),
            (.float32, .float32, .float32FastTF32), (.bfloat16, .float32, .float32), (.float16, .float16, .float32),
        ] {
            try CuBLAS.validate(m: 2, n: 3, k: 4, batchCount: 1, dataType: data, outputType: output, computeType: compute)
        }
    }

    @Test func rejectsMismatchedComputeType() {
        #expect(throws: CUDAError.invalidArgument("gemm: compute type float64 does not take float32 operands")) {
            try CuBLAS.validate(
                m: 2, n: 2, k: 2, batchCount: 1, dataType: .float32, outputType: .float32, computeType: .float64)
        }
        #expect(throws: CUDAError.invalidArgument("gemm: float64 operands cannot write float32 output")) {
            try CuBLAS.validate(
                m: 2, n: 2, k: 2, batchCount: 1, dataType: .float64, outputType: .float32, computeType: .float64)
        }
    }

    @Test func rejectsEmptyAndOversizedDimensions() {
        #expect(throws: CUDAError.invalidArgument(
            "gemm sizes m 0, n 2, k 2, batch 1; expected each in 1...2147483647")) {
            try CuBLAS.validate(
                m: 0, n: 2, k: 2, batchCount: 1, dataType: .float32, outputType: .float32, computeType: .float32)
        }
        #expect(CuBLAS.byteCount(1 << 31, 1 << 31, 1 << 31, 8) == nil)
        #expect(CuBLAS.byteCount(3, 5, 2, 4) == 120)
    }
}
