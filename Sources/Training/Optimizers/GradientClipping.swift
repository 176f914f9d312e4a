// SwiftMACE, MIT licence.
// Gradient clipping by total norm, as torch.nn.utils.clip_grad_norm_ (norm type 2, error_if_nonfinite false).

import Tensors

public enum GradientClipping {
    /// Scales `gradients` by min(1, maxNorm / (‖g‖ + 1e-6)), where ‖g‖ is the 2-norm of all gradients together
    /// (the 2-norm of the per-tensor 2-norms, as torch computes it). nil entries are skipped.
    /// - Returns: the total norm before clipping.
    @discardableResult
    public static func clipByTotalNorm(_ gradients: inout [Tensor?], maxNorm: Double) -> Double {
        let total = totalNorm(gradients)
        let coefficient = min(maxNorm / (total + 1e-6), 1)
        withoutGradient {
            for index in gradients.indices {
                gradients[index] = gradients[index].map { $0 * coefficient }
            }
        }
        return total
    }

    /// The 2-norm of all gradients together, as `clipByTotalNorm` measures it.
    public static func totalNorm(_ gradients: [Tensor?]) -> Double {
        let norms = gradients.compactMap { $0 }.map { gradient in
            withoutGradient { sqrt(gradient.squared().sum()).scalarValue }
        }
        return norms.reduce(0) { $0 + $1 * $1 }.squareRoot()
    }
}
