// SwiftMACE, MIT licence.
// Shape ops: reshape (no copy), permute/transpose, broadcast (expand), slice (narrow), pad, concatenate,
// dtype conversion. Their backward rules are one-liners kept beside the view arithmetic they invert.

extension Tensor {
    /// The same elements with a new shape (row-major order kept, storage shared, nothing copied).
    /// One dimension may be -1 and is then inferred.
    /// - Precondition: the element counts match.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && elementCount % known == 0, "reshaped: cannot reshape \(shape) to \(newShape)")
            target[inferred] = elementCount / known
        }
        precondition(target.allSatisfy { $0 >= 0 } && Shape.elementCount(target) == elementCount,
                     "reshaped: cannot reshape \(shape) to \(newShape)")
        if target == shape { return self }
        let inputShape = shape
        return Tensor.record(buffer: buffer, shape: target, dtype: dtype, inputs: [self]) { c in
            [c.gradient.reshaped(inputShape)]
        }
    }

    /// All elements as a 1-D tensor.
    public func flattened() -> Tensor { reshaped([elementCount]) }

    /// A size-1 dimension inserted at `axis` (negative counts from the end of the result).
    public func expandedDimensions(axis: Int) -> Tensor {
        var newShape = shape
        newShape.insert(1, at: Shape.normalizedAxis(axis, rank: rank + 1))
        return reshaped(newShape)
    }

    /// The size-1 dimension at `axis` removed.
    /// - Precondition: `dim(axis) == 1`.
    public func squeezed(axis: Int) -> Tensor {
        let axis = Shape.normalizedAxis(axis, rank: rank)
        precondition(shape[axis] == 1, "squeezed: axis \(axis) of shape \(shape) has size \(shape[axis]); expected 1")
        var newShape = shape
        newShape.remove(at: axis)
        return reshaped(newShape)
    }

    /// Dimensions reordered: result axis i is input axis `axes[i]` (numpy `transpose(axes)`).
    /// - Precondition: `axes` is a permutation of `0..<rank`.
    public func permuted(_ axes: [Int]) -> Tensor {
        let axes = axes.map { Shape.normalizedAxis($0, rank: rank) }
        precondition(axes.sorted() == Array(0..<rank), "permuted: \(axes) is not a permutation of the axes of \(shape)")
        if axes == Array(0..<rank) { return self }
        let strides = Shape.contiguousStrides(shape)
        let view = StridedView(shape: axes.map { shape[$0] }, offset: 0, strides: axes.map { strides[$0] })
        var inversePermutation = [Int](repeating: 0, count: rank)
        for (position, axis) in axes.enumerated() { inversePermutation[axis] = position }
        let inverse = inversePermutation
        return Tensor.record(buffer: backend.copy(self, view: view), shape: view.shape, dtype: dtype, inputs: [self]) { c in
            [c.gradient.permuted(inverse)]
        }
    }

    /// The last two dimensions swapped (matrix transpose; batch dimensions kept).
    /// - Precondition: `rank >= 2`.
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed: shape \(shape) has rank < 2")
        return transposed(rank - 2, rank - 1)
    }

    /// Two dimensions swapped.
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        var axes = Array(0..<rank)
        axes.swapAt(Shape.normalizedAxis(first, rank: rank), Shape.normalizedAxis(second, rank: rank))
        return permuted(axes)
    }

    /// Broadcast to `target` (numpy rules: size-1 or missing leading dimensions repeat), copied.
    /// - Precondition: the shape broadcasts to `target`.
    public func expanded(to target: [Int]) -> Tensor {
        precondition(Shape.broadcast(shape, target) == target, "expanded: shape \(shape) does not broadcast to \(target)")
        if target == shape { return self }
        let view = StridedView(shape: target, offset: 0, strides: Shape.broadcastStrides(shape, to: target))
        let inputShape = shape
        return Tensor.record(buffer: backend.copy(self, view: view), shape: target, dtype: dtype, inputs: [self]) { c in
            [c.gradient.summed(toShape: inputShape)]
        }
    }

    /// Elements `start..<start+length` along `axis` (torch `narrow`).
    /// - Precondition: the range lies inside the axis.
    public func sliced(axis: Int, start: Int, length: Int) -> Tensor {
        let axis = Shape.normalizedAxis(axis, rank: rank)
        precondition(start >= 0 && length >= 0 && start + length <= shape[axis],
                     "sliced: range \(start)..<\(start + length) out of bounds for axis \(axis) of shape \(shape)")
        if start == 0 && length == shape[axis] { return self }
        let strides = Shape.contiguousStrides(shape)
        var viewShape = shape
        viewShape[axis] = length
        let view = StridedView(shape: viewShape, offset: start * strides[axis], strides: strides)
        let after = shape[axis] - start - length
        return Tensor.record(buffer: backend.copy(self, view: view), shape: viewShape, dtype: dtype, inputs: [self]) { c in
            [c.gradient.padded(axis: axis, before: start, after: after)]
        }
    }

    /// Zeros added before and after along `axis`.
    public func padded(axis: Int, before: Int, after: Int) -> Tensor {
        let axis = Shape.normalizedAxis(axis, rank: rank)
        precondition(before >= 0 && after >= 0, "padded: negative padding \(before), \(after) for shape \(shape)")
        if before == 0 && after == 0 { return self }
        var outShape = shape
        outShape[axis] += before + after
        let out = Buffer.zeroed(byteCount: Shape.elementCount(outShape) * dtype.byteSize)
        let strides = Shape.contiguousStrides(outShape)
        backend.write(self, into: out, at: StridedView(shape: shape, offset: before * strides[axis], strides: strides))
        let length = shape[axis]
        return Tensor.record(buffer: out, shape: outShape, dtype: dtype, inputs: [self]) { c in
            [c.gradient.sliced(axis: axis, start: before, length: length)]
        }
    }

    /// The elements converted to another floating dtype (float64 ↔ float32), or int32 to float.
    /// Differentiable between float types.
    /// - Throws: `TensorError.unsupported` for a target dtype without storage or a float-to-int conversion.
    public func converted(to target: DType) throws -> Tensor {
        if target == dtype { return self }
        guard target == .float64 || target == .float32 else {
            throw TensorError.unsupported("converted: conversion from \(dtype) to \(target) is not supported")
        }
        let source = dtype
        let buffer = backend.converted(self, to: target)
        guard dtype.isFloatingPoint else { return Tensor(buffer: buffer, shape: shape, dtype: target) }
        return Tensor.record(buffer: buffer, shape: shape, dtype: target, inputs: [self]) { c in
            [c.gradient.convertedFloat(to: source)]
        }
    }

    /// Conversion between float64 and float32, which cannot fail.
    func convertedFloat(to target: DType) -> Tensor {
        precondition(target.isFloatingPoint && target.hasStorage, "convertedFloat: \(target) is not float64 or float32")
        do {
            return try converted(to: target)
        } catch {
            preconditionFailure("convertedFloat: \(error)")
        }
    }
}

/// Tensors joined along `axis`; all other dimensions must agree.
/// - Precondition: at least one tensor, same dtype and rank, equal sizes off `axis`.
public func concatenated(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concatenated: no tensors")
    let first = tensors[0]
    let axis = Shape.normalizedAxis(axis, rank: first.rank)
    for tensor in tensors {
        var a = tensor.shape, b = first.shape
        if a.count == b.count { a[axis] = 0; b[axis] = 0 }
        precondition(a == b && tensor.dtype == first.dtype,
                     "concatenated: shape \(tensor.shape) (\(tensor.dtype)) does not fit \(first.shape) (\(first.dtype)) along axis \(axis)")
    }
    if tensors.count == 1 { return first }
    var outShape = first.shape
    outShape[axis] = tensors.reduce(0) { $0 + $1.shape[axis] }
    let out = Buffer(byteCount: Shape.elementCount(outShape) * first.dtype.byteSize)
    let strides = Shape.contiguousStrides(outShape)
    var offsets: [Int] = []
    var start = 0
    for tensor in tensors {
        offsets.append(start)
        CPUBackend.shared.write(tensor, into: out,
                                at: StridedView(shape: tensor.shape, offset: start * strides[axis], strides: strides))
        start += tensor.shape[axis]
    }
    let lengths = tensors.map { $0.shape[axis] }
    let starts = offsets
    return Tensor.record(buffer: out, shape: outShape, dtype: first.dtype, inputs: tensors) { c in
        lengths.indices.map { i in
            c.needs(i) ? c.gradient.sliced(axis: axis, start: starts[i], length: lengths[i]) : nil
        }
    }
}

/// Tensors of one shape stacked along a new axis.
public func stacked(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "stacked: no tensors")
    return concatenated(tensors.map { $0.expandedDimensions(axis: axis) }, axis: axis)
}
