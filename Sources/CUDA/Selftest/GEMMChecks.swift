// SwiftMACE, MIT licence.
// GPU self-test checks of cuBLAS GEMM: each data/compute type against a float64 Tensors matmul of the same
// (rounded) inputs, with the bound of that precision; outputs are poisoned with NaN first.

import Support
import Tensors

/// One GEMM configuration to check.
struct GEMMCase: Sendable {
    let label: String
    let dataType: GEMMDataType
    let outputType: GEMMDataType
    let computeType: GEMMComputeType
    let transposeA: Bool
    let transposeB: Bool
    let batch: Int
    /// Bound on ‖C − C_ref‖ / ‖C_ref‖, C_ref = float64 product of the inputs as rounded to `dataType`.
    let bound: Double
}

/// cuBLAS GEMM checks on one stream.
struct GEMMChecks {
    let context: CUDAContext
    let blas: CuBLAS
    let stream: CUDAStream

    static let cases: [GEMMCase] = [
        GEMMCase(label: "float64", dataType: .float64, outputType: .float64, computeType: .float64,
                 transposeA: false, transposeB: false, batch: 1, bound: 1e-12),
        GEMMCase(label: "float64 Aᵀ·Bᵀ", dataType: .float64, outputType: .float64, computeType: .float64,
                 transposeA: true, transposeB: true, batch: 1, bound: 1e-12),
        GEMMCase(label: "float32", dataType: .float32, outputType: .float32, computeType: .float32,
                 transposeA: false, transposeB: false, batch: 1, bound: 1e-5),
        GEMMCase(label: "float32 A·Bᵀ batched", dataType: .float32, outputType: .float32, computeType: .float32,
                 transposeA: false, transposeB: true, batch: 4, bound: 1e-5),
        GEMMCase(label: "tf32", dataType: .float32, outputType: .float32, computeType: .float32FastTF32,
                 transposeA: false, transposeB: false, batch: 1, bound: 1e-3),
        GEMMCase(label: "bfloat16 in, float32 out", dataType: .bfloat16, outputType: .float32,
                 computeType: .float32, transposeA: false, transposeB: false, batch: 1, bound: 1e-5),
        GEMMCase(label: "float16 in, float32 out", dataType: .float16, outputType: .float32,
                 computeType: .float32, transposeA: false, transposeB: false, batch: 1, bound: 1e-5),
    ]

    func check(_ gemmCase: GEMMCase, _ generator: inout SeededGenerator) throws -> (Bool, String) {
        let (m, n, k) = gemmCase.batch == 1 ? (193, 161, 255) : (64, 48, 96)
        let batch = gemmCase.batch
        // TF32 rounds inside the GEMM, so its reference uses the float32 inputs; other types round here.
        let a = generator.doubles(batch * m * k).map { round($0, gemmCase.dataType) }
        let b = generator.doubles(batch * k * n).map { round($0, gemmCase.dataType) }
        let aShape = gemmCase.transposeA ? [batch, k, m] : [batch, m, k]
        let bShape = gemmCase.transposeB ? [batch, n, k] : [batch, k, n]
        var aTensor = try Tensor(a, shape: aShape)
        var bTensor = try Tensor(b, shape: bShape)
        if gemmCase.transposeA { aTensor = aTensor.transposed() }
        if gemmCase.transposeB { bTensor = bTensor.transposed() }
        let reference = matmul(aTensor, bTensor).toArray()
        let c = try DeviceBuffer(
            context: context, byteCount: batch * m * n * gemmCase.outputType.byteSize, stream: stream)
        try c.fill(byte: 0xFF, stream: stream)
        try blas.gemm(
            m: m, n: n, k: k, a: try upload(a, gemmCase.dataType), transposeA: gemmCase.transposeA,
            b: try upload(b, gemmCase.dataType), transposeB: gemmCase.transposeB, c: c, dataType: gemmCase.dataType,
            outputType: gemmCase.outputType, computeType: gemmCase.computeType, batchCount: batch, stream: stream)
        let output: [Double] =
            switch gemmCase.outputType {
            case .float64: try c.toArray(of: Double.self, count: batch * m * n, stream: stream)
            default: try c.toArray(of: Float.self, count: batch * m * n, stream: stream).map(Double.init)
            }
        let error = SelftestMath.relativeError(output, reference)
        let shape = "m \(m), n \(n), k \(k)" + (batch > 1 ? ", batch \(batch)" : "")
        return (error <= gemmCase.bound, "\(shape), compute \(gemmCase.computeType): relative error "
            + "\(SelftestMath.scientific(error)) ≤ \(SelftestMath.scientific(gemmCase.bound)) vs Tensors float64")
    }

    private func round(_ value: Double, _ type: GEMMDataType) -> Double {
        switch type {
        case .float64: value
        case .float32: Double(Float(value))
        case .float16: Double(Float16(Float(value)))
        case .bfloat16: Double(SelftestMath.float(bfloat16Bits: SelftestMath.bfloat16Bits(Float(value))))
        }
    }

    private func upload(_ values: [Double], _ type: GEMMDataType) throws -> DeviceBuffer {
        switch type {
        case .float64: try DeviceBuffer(context: context, copying: values, stream: stream)
        case .float32: try DeviceBuffer(context: context, copying: values.map { Float($0) }, stream: stream)
        case .float16: try DeviceBuffer(context: context, copying: values.map { Float16(Float($0)) }, stream: stream)
        case .bfloat16:
            try DeviceBuffer(
                context: context, copying: values.map { SelftestMath.bfloat16Bits(Float($0)) }, stream: stream)
        }
    }
}
