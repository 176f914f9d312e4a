// SwiftMACE, MIT licence.
// Reductions: sum and mean over axes, and the sum-to-shape that undoes broadcasting in gradients.
// Gradient rules: Autodiff/Gradients+Reduction.swift.

extension Tensor {
    /// The sum over `axes` (all axes when nil); negative axes count from the end.
    /// With `keepDims` the reduced axes stay as size-1 dimensions. Summation order is fixed
    /// (deterministic across runs and thread counts).
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        precondition(dtype == .float64 || dtype == .float32, "sum: dtype \(dtype) of shape \(shape) is not float64 or float32")
        let axes = Array(Set((axes ?? Array(0..<rank)).map { Shape.normalizedAxis($0, rank: rank) })).sorted()
        var keptShape = shape
        for axis in axes { keptShape[axis] = 1 }
        let kept = axes.isEmpty ? self : Tensor.record(
            buffer: backend.sum(self, axes: axes), shape: keptShape, dtype: dtype, inputs: [self],
            rule: ReductionGradients.sum(inputShape: shape))
        return keepDims ? kept : kept.reshaped(shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element))
    }

    /// The sum over one axis.
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    /// The mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let axes = (axes ?? Array(0..<rank)).map { Shape.normalizedAxis($0, rank: rank) }
        let count = Set(axes).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) / Double(count)
    }

    /// Sums broadcast dimensions away so the result has `target` shape: the adjoint of broadcasting
    /// `target` to this tensor's shape (used by gradient rules of broadcasting ops).
    func summed(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let leading = rank - target.count
        precondition(leading >= 0, "summed(toShape:): shape \(shape) cannot reduce to \(target)")
        var axes = Array(0..<leading)
        for (index, size) in target.enumerated() where size == 1 && shape[leading + index] != 1 {
            axes.append(leading + index)
        }
        let reduced = sum(axes: axes, keepDims: true)
        return reduced.reshaped(target)
    }
}
