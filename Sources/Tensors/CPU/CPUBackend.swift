// SwiftMACE, MIT licence.
// CPUBackend: the Backend protocol on host memory; dispatches on dtype to the generic CPU kernels.

/// The CPU implementation of the primitive kernels (float64 and float32; int32 for indices and copies).
struct CPUBackend: Backend {
    static let shared = CPUBackend()

    func filled(_ value: Double, count: Int, dtype: DType) -> Buffer {
        let buffer = Buffer(byteCount: count * dtype.byteSize)
        switch dtype {
        case .float64: buffer.typed(Double.self).initialize(repeating: value, count: count)
        case .float32: buffer.typed(Float.self).initialize(repeating: Float(value), count: count)
        case .int32: buffer.typed(Int32.self).initialize(repeating: Int32(value), count: count)
        default: preconditionFailure("filled: dtype \(dtype) has no storage")
        }
        return buffer
    }

    func unary(_ op: UnaryOp, _ x: Tensor) -> Buffer {
        let out = Buffer(byteCount: x.elementCount * x.dtype.byteSize)
        func run<T: FloatElement>(_: T.Type) {
            ElementwiseKernels.unary(op, x.buffer.typed(T.self), out.typed(T.self), count: x.elementCount)
        }
        switch x.dtype {
        case .float64: run(Double.self)
        case .float32: run(Float.self)
        default: preconditionFailure("CPU kernel: dtype \(x.dtype) is not float64 or float32")
        }
        return out
    }

    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Buffer {
        let out = Buffer(byteCount: Shape.elementCount(shape) * a.dtype.byteSize)
        let loop = StridedLoop(shape: shape, strides: [
            Shape.contiguousStrides(shape), Shape.broadcastStrides(a.shape, to: shape),
            Shape.broadcastStrides(b.shape, to: shape),
        ])
        func run<T: FloatElement>(_: T.Type) {
            ElementwiseKernels.binary(op, a.buffer.typed(T.self), b.buffer.typed(T.self), out.typed(T.self), loop: loop)
        }
        switch a.dtype {
        case .float64: run(Double.self)
        case .float32: run(Float.self)
        default: preconditionFailure("CPU kernel: dtype \(a.dtype) is not float64 or float32")
        }
        return out
    }

    func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Buffer {
        let out = Buffer(byteCount: Shape.elementCount(shape) * a.dtype.byteSize)
        let loop = StridedLoop(shape: shape, strides: [
            Shape.contiguousStrides(shape), Shape.broadcastStrides(condition.shape, to: shape),
            Shape.broadcastStrides(a.shape, to: shape), Shape.broadcastStrides(b.shape, to: shape),
        ])
        func run<T: FloatElement>(_: T.Type) {
            ElementwiseKernels.select(condition.buffer.typed(T.self), a.buffer.typed(T.self), b.buffer.typed(T.self),
                                      out.typed(T.self), loop: loop)
        }
        switch a.dtype {
        case .float64: run(Double.self)
        case .float32: run(Float.self)
        default: preconditionFailure("CPU kernel: dtype \(a.dtype) is not float64 or float32")
        }
        return out
    }

    func sum(_ x: Tensor, axes: [Int]) -> Buffer {
        // Reduce runs of adjacent axes, last run first, each as [outer, n, inner].
        var shape = x.shape
        var current = x.buffer
        var runs: [(start: Int, end: Int)] = []
        for axis in axes {
            if let last = runs.last, last.end == axis - 1 { runs[runs.count - 1].end = axis } else { runs.append((axis, axis)) }
        }
        for run in runs.reversed() {
            let outer = Shape.elementCount(Array(shape[..<run.start]))
            let n = Shape.elementCount(Array(shape[run.start...run.end]))
            let inner = Shape.elementCount(Array(shape[(run.end + 1)...]))
            let out = Buffer(byteCount: outer * inner * x.dtype.byteSize)
            let source = current
            func reduce<T: FloatElement>(_: T.Type) {
                ReductionKernels.sum(source.typed(T.self), out.typed(T.self), outer: outer, n: n, inner: inner)
            }
            switch x.dtype {
            case .float64: reduce(Double.self)
            case .float32: reduce(Float.self)
            default: preconditionFailure("CPU kernel: dtype \(x.dtype) is not float64 or float32")
            }
            for axis in run.start...run.end { shape[axis] = 1 }
            current = out
        }
        if runs.isEmpty {
            return copy(x, view: StridedView(contiguous: x.shape))
        }
        return current
    }

    func matmul(_ a: Tensor, _ b: Tensor, batchShape: [Int]) -> Buffer {
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1], n = b.shape[b.rank - 1]
        let batchCount = Shape.elementCount(batchShape)
        let out = Buffer(byteCount: batchCount * m * n * a.dtype.byteSize)
        let offsetsA = batchOffsets(of: a, batchShape: batchShape, matrixSize: m * k)
        let offsetsB = batchOffsets(of: b, batchShape: batchShape, matrixSize: k * n)
        func run<T: FloatElement, V: SIMD>(_: T.Type, _ vector: V.Type) where V.Scalar == T {
            let pa = a.buffer.typed(T.self), pb = b.buffer.typed(T.self), pc = out.typed(T.self)
            // Few large products: parallel inside each. Many small ones: one thread per product.
            let insideParallel = batchCount < Parallel.coreCount || m * n * k >= 1 << 21
            let batches: (Range<Int>) -> Void = { range in
                for batch in range {
                    MatmulKernels.multiply(
                        vector, m: m, n: n, k: k,
                        a: MatrixOperand(base: pa + offsetsA[batch], rowStride: k, columnStride: 1),
                        b: MatrixOperand(base: pb + offsetsB[batch], rowStride: n, columnStride: 1),
                        c: pc + batch * m * n, ldc: n, parallel: insideParallel)
                }
            }
            if insideParallel {
                batches(0..<batchCount)
            } else {
                Parallel.forEachChunk(batchCount, workPerItem: m * n * k, batches)
            }
        }
        switch a.dtype {
        case .float64: run(Double.self, DoubleVector.self)
        case .float32: run(Float.self, FloatVector.self)
        default: preconditionFailure("matmul: dtype \(a.dtype) is not floating point")
        }
        return out
    }

    /// Element offset of each batch's matrix in `x`, batch dimensions broadcast to `batchShape`.
    private func batchOffsets(of x: Tensor, batchShape: [Int], matrixSize: Int) -> [Int] {
        let strides = Shape.broadcastStrides(Array(x.shape.dropLast(2)), to: batchShape)
        let count = Shape.elementCount(batchShape)
        var offsets = [Int](repeating: 0, count: count)
        for batch in 0..<count {
            var remainder = batch, offset = 0
            for axis in batchShape.indices.reversed() {
                offset += (remainder % batchShape[axis]) * strides[axis]
                remainder /= batchShape[axis]
            }
            offsets[batch] = offset * matrixSize
        }
        return offsets
    }

    func gather(_ x: Tensor, indices: Tensor, axis: Int) -> Buffer {
        let outer = Shape.elementCount(Array(x.shape[..<axis]))
        let inner = Shape.elementCount(Array(x.shape[(axis + 1)...]))
        let out = Buffer(byteCount: outer * indices.elementCount * inner * x.dtype.byteSize)
        IndexingKernels.gather(x.buffer.pointer, out.pointer, indices: indices.buffer.typed(Int32.self), outer: outer,
                               axisCount: x.shape[axis], indexCount: indices.elementCount,
                               innerBytes: inner * x.dtype.byteSize)
        return out
    }

    func scatterSum(_ x: Tensor, indices: Tensor, axis: Int, count: Int) -> Buffer {
        let outer = Shape.elementCount(Array(x.shape[..<axis]))
        let inner = Shape.elementCount(Array(x.shape[(axis + 1)...]))
        let out = Buffer.zeroed(byteCount: outer * count * inner * x.dtype.byteSize)
        func run<T: FloatElement>(_: T.Type) {
            IndexingKernels.scatterSum(x.buffer.typed(T.self), out.typed(T.self), indices: indices.buffer.typed(Int32.self),
                                       outer: outer, count: count, indexCount: indices.elementCount, inner: inner)
        }
        switch x.dtype {
        case .float64: run(Double.self)
        case .float32: run(Float.self)
        default: preconditionFailure("CPU kernel: dtype \(x.dtype) is not float64 or float32")
        }
        return out
    }

    func copy(_ x: Tensor, view: StridedView) -> Buffer {
        let out = Buffer(byteCount: Shape.elementCount(view.shape) * x.dtype.byteSize)
        CopyKernels.stridedCopy(
            shape: view.shape, elementSize: x.dtype.byteSize,
            from: x.buffer.pointer + view.offset * x.dtype.byteSize, sourceStrides: view.strides,
            to: out.pointer, destinationStrides: Shape.contiguousStrides(view.shape))
        return out
    }

    func write(_ x: Tensor, into destination: Buffer, at view: StridedView) {
        CopyKernels.stridedCopy(
            shape: view.shape, elementSize: x.dtype.byteSize,
            from: x.buffer.pointer, sourceStrides: Shape.contiguousStrides(view.shape),
            to: destination.pointer + view.offset * x.dtype.byteSize, destinationStrides: view.strides)
    }

    func converted(_ x: Tensor, to dtype: DType) -> Buffer {
        let count = x.elementCount
        let out = Buffer(byteCount: count * dtype.byteSize)
        switch (x.dtype, dtype) {
        case (.float64, .float32): CopyKernels.convert(x.buffer.typed(Double.self), out.typed(Float.self), count: count) { Float($0) }
        case (.float32, .float64): CopyKernels.convert(x.buffer.typed(Float.self), out.typed(Double.self), count: count) { Double($0) }
        case (.int32, .float64): CopyKernels.convert(x.buffer.typed(Int32.self), out.typed(Double.self), count: count) { Double($0) }
        case (.int32, .float32): CopyKernels.convert(x.buffer.typed(Int32.self), out.typed(Float.self), count: count) { Float($0) }
        default:
            precondition(x.dtype == dtype, "converted: no conversion from \(x.dtype) to \(dtype)")
            out.pointer.copyMemory(from: x.buffer.pointer, byteCount: count * dtype.byteSize)
        }
        return out
    }
}
