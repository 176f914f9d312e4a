// SwiftMACE, MIT licence.
// The weight gradient of an equivariant linear map or skip TP on ir_mul rows: per path and element,
// dW = Σ_rows Σ_components x_segmentᵀ · g_segment, one GEMM per irrep component accumulated in order.

import CUDA

extension PathGEMMs {
    /// `dW[p] += Σ_{rows of its element} Σ_m x[row, in_p, m]ᵀ g[row, out_p, m]` at address `gradients[p]` (the layout of
    /// `weights[p]`: `[mulIn, elementCount · mulOut]`, element e in columns `e·mulOut..<(e+1)·mulOut`; zeroed by the
    /// caller), the rows of element e being `ranges[e]` and `ranges[e + k·elementCount]` (stacked blocks). The
    /// gradient of ``apply(_:_:ranges:accumulate:transposed:_:)`` (forward) with respect to its weights.
    func weightGradient(
        _ x: DeviceBuffer, _ g: DeviceBuffer, ranges: [Range<Int>], into gradients: [UInt64], _ run: ModelRun
    ) throws {
        let size = run.gemm.elementSize
        for (p, path) in paths.enumerated() {
            for (index, range) in ranges.enumerated() where !range.isEmpty {
                let element = index % elementCount
                let c = GEMMOperand(
                    address: gradients[p] &+ UInt64(element * path.mulOut * size),
                    leadingDimension: elementCount * path.mulOut)
                for m in 0..<path.components {
                    let a = GEMMOperand(
                        address: x.address &+ UInt64((range.lowerBound * inputWidth + path.inputOffset + m * path.mulIn) * size),
                        leadingDimension: inputWidth)
                    let b = GEMMOperand(
                        address: g.address &+ UInt64((range.lowerBound * outputWidth + path.outputOffset + m * path.mulOut) * size),
                        leadingDimension: outputWidth)
                    try run.gemm.gemm(
                        m: path.mulIn, n: path.mulOut, k: range.count, a: a, transposeA: true, b: b, c: c, beta: 1)
                }
            }
        }
    }
}
