// SwiftMACE, MIT licence.
// The ir_mul layout the generated kernels read and write (KERNELS.md §2.1): every `[C, d]` segment stored
// transposed as `[d, C]`, channels contiguous, so thread u reads channel u of each component coalesced.

/// Converts operand buffers between the polynomial's row-major segments (e3nn's mul_ir for features) and the
/// kernels' ir_mul layout. Segments of rank 1 (no channel) and `[C, 1]` weight segments are the same in both.
public enum IrMulLayout {
    /// `values`, `[rows, operand.size]` with `[C, d]` segments, rewritten with each segment as `[d, C]`.
    public static func toIrMul(_ values: [Double], operand: PolynomialOperand) -> [Double] {
        permute(values, operand: operand, toIrMul: true)
    }

    /// The inverse of ``toIrMul(_:operand:)``.
    public static func fromIrMul(_ values: [Double], operand: PolynomialOperand) -> [Double] {
        permute(values, operand: operand, toIrMul: false)
    }

    private static func permute(_ values: [Double], operand: PolynomialOperand, toIrMul: Bool) -> [Double] {
        let size = operand.size
        guard size > 0 else { return values }
        var result = values
        let offsets = operand.segmentOffsets
        for row in 0..<(values.count / size) {
            for (segment, shape) in operand.segments.enumerated() where shape.count == 2 {
                let (channels, components) = (shape[0], shape[1])
                let base = row * size + offsets[segment]
                for c in 0..<channels {
                    for i in 0..<components {
                        let mulIr = base + c * components + i
                        let irMul = base + i * channels + c
                        if toIrMul { result[irMul] = values[mulIr] } else { result[mulIr] = values[irMul] }
                    }
                }
            }
        }
        return result
    }
}
