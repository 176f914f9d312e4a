// SwiftMACE, MIT licence.
// Backward rules of gather and scatterSum: each is the other's adjoint, so double backward alternates them.

enum IndexingGradients {
    static func gather(indices: Tensor, axis: Int, count: Int) -> BackwardRule {
        { c in [scatterSumUnchecked(c.gradient, indices: indices, axis: axis, count: count)] }
    }

    static func scatterSum(indices: Tensor, axis: Int) -> BackwardRule {
        { c in [gatherUnchecked(c.gradient, indices: indices, axis: axis)] }
    }
}
