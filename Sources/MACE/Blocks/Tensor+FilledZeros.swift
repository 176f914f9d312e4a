// SwiftMACE, MIT licence.
// Zeros of a shape the code chooses (never input data), without a `try` at every use.

import Tensors

extension Tensor {
    /// Zeros of a float dtype and non-negative shape chosen by the code (not by input data).
    static func filledZeros(_ shape: [Int], dtype: DType) -> Tensor {
        do {
            return try Tensor.zeros(shape, dtype: dtype)
        } catch {
            preconditionFailure("zeros of shape \(shape) and dtype \(dtype): \(error)")
        }
    }
}
