// SwiftMACE, MIT licence.
// Tensor: an immutable n-d array value (shape, dtype, device, shared storage) that may carry an autodiff node.

/// An n-dimensional array of `dtype` elements, stored contiguously in row-major order.
///
/// A `Tensor` is a value: every op returns a new tensor and never changes its inputs, so
/// tensors share storage freely (`reshaped` copies nothing) and are `Sendable`.
/// A tensor that requires grad carries the node of the op that made it (see `requiringGrad()`
/// and `grad(of:withRespectTo:seeds:createGraph:allowUnused:)`); the graph is owned by the
/// tensors, not by a global tape, so separate threads build separate graphs.
///
/// ```swift
/// let x = try Tensor([1, 2, 3, 4], shape: [2, 2]).requiringGrad()
/// let y = (x * x).sum()
/// let dx = try grad(of: y, withRespectTo: [x])[0]   // 2x
/// ```
public struct Tensor: Sendable {
    /// Dimensions, outermost first; `[]` for a scalar.
    public let shape: [Int]
    /// Element type.
    public let dtype: DType
    /// Where the storage lives (always `.cpu` today).
    public let device: Device
    let buffer: Buffer
    /// The autodiff node that produced this tensor, nil when it does not require grad.
    let node: GradNode?

    init(buffer: Buffer, shape: [Int], dtype: DType, node: GradNode? = nil) {
        self.buffer = buffer
        self.shape = shape
        self.dtype = dtype
        self.device = .cpu
        self.node = node
    }

    /// The number of dimensions.
    public var rank: Int { shape.count }
    /// The number of elements.
    public var elementCount: Int { Shape.elementCount(shape) }
    /// The size of one dimension; negative axes count from the end.
    public func dim(_ axis: Int) -> Int { shape[Shape.normalizedAxis(axis, rank: rank)] }

    /// Whether gradients flow to this tensor (it is a leaf made by `requiringGrad()` or the
    /// result of an op on such tensors while gradients were being recorded).
    public var requiresGrad: Bool { node != nil }

    /// The same values with no autodiff history: ops on it record nothing.
    public func detached() -> Tensor { Tensor(buffer: buffer, shape: shape, dtype: dtype) }

    /// The same values as a tensor that gradients are taken with respect to.
    ///
    /// On a tensor that already requires grad this adds an identity node, so gradients with respect
    /// to the result still flow on to the original (nested differentiation composes).
    /// - Precondition: `dtype` is floating point.
    public func requiringGrad() -> Tensor {
        precondition(dtype.isFloatingPoint, "requiringGrad: dtype \(dtype) of shape \(shape) is not floating point")
        if node == nil {
            return Tensor(buffer: buffer, shape: shape, dtype: dtype, node: GradNode(leafOf: self))
        }
        return Tensor.record(buffer: buffer, shape: shape, dtype: dtype, inputs: [self], force: true) { context in
            [context.gradient]
        }
    }
}

// MARK: - Creation

extension Tensor {
    /// A float64 (or, with `dtype`, float32) tensor from row-major values.
    /// - Throws: `TensorError.elementCountMismatch` when `values.count` is not the shape's element
    ///   count; `.unsupported` for a dtype that is not `.float64` or `.float32`.
    public init(_ values: [Double], shape: [Int], dtype: DType = .float64) throws {
        try Tensor.checkShape(shape, count: values.count)
        switch dtype {
        case .float64: self = Tensor.make(values, shape: shape)
        case .float32: self = Tensor.make(values.map { Float($0) }, shape: shape)
        default: throw TensorError.unsupported("Tensor(_: [Double]): dtype \(dtype) is not supported; use float64 or float32")
        }
    }

    /// A float32 tensor from row-major values.
    /// - Throws: `TensorError.elementCountMismatch` when `values.count` does not fit `shape`.
    public init(float32 values: [Float], shape: [Int]) throws {
        try Tensor.checkShape(shape, count: values.count)
        self = Tensor.make(values, shape: shape)
    }

    /// An int32 tensor (indices for `gather` and `scatterSum`) from row-major values.
    /// - Throws: `TensorError.elementCountMismatch` when `values.count` does not fit `shape`.
    public init(int32 values: [Int32], shape: [Int]) throws {
        try Tensor.checkShape(shape, count: values.count)
        self = Tensor.make(values, shape: shape)
    }

    /// A 1-D int32 index tensor.
    public init(indices: [Int32]) {
        self = Tensor.make(indices, shape: [indices.count])
    }

    /// A scalar (shape `[]`) of a floating-point dtype.
    /// - Precondition: `dtype` is `.float64` or `.float32`.
    public init(scalar value: Double, dtype: DType = .float64) {
        self = Tensor.filled(value, shape: [], dtype: dtype)
    }

    /// A tensor of `shape` with every element `value`.
    /// - Throws: `TensorError.unsupported` for a dtype without storage, `.invalidShape` for negative dimensions.
    public static func full(_ value: Double, shape: [Int], dtype: DType = .float64) throws -> Tensor {
        guard dtype == .float64 || dtype == .float32 else {
            throw TensorError.unsupported("full: dtype \(dtype) is not supported; use float64 or float32")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError.invalidShape(shape) }
        return filled(value, shape: shape, dtype: dtype)
    }

    /// Zeros of `shape`. - Throws: as `full`.
    public static func zeros(_ shape: [Int], dtype: DType = .float64) throws -> Tensor {
        try full(0, shape: shape, dtype: dtype)
    }

    /// Ones of `shape`. - Throws: as `full`.
    public static func ones(_ shape: [Int], dtype: DType = .float64) throws -> Tensor {
        try full(1, shape: shape, dtype: dtype)
    }

    /// Zeros with the shape and dtype of `other`.
    public static func zeros(like other: Tensor) -> Tensor { filled(0, shape: other.shape, dtype: other.dtype) }

    /// Ones with the shape and dtype of `other`.
    public static func ones(like other: Tensor) -> Tensor { filled(1, shape: other.shape, dtype: other.dtype) }

    static func filled(_ value: Double, shape: [Int], dtype: DType) -> Tensor {
        Tensor(buffer: CPUBackend.shared.filled(value, count: Shape.elementCount(shape), dtype: dtype),
               shape: shape, dtype: dtype)
    }

    static func make<T>(_ values: [T], shape: [Int]) -> Tensor {
        let dtype: DType = T.self == Double.self ? .float64 : T.self == Float.self ? .float32 : .int32
        precondition(MemoryLayout<T>.stride == dtype.byteSize, "Tensor.make: element type \(T.self) has no dtype")
        let buffer = Buffer(byteCount: values.count * dtype.byteSize)
        values.withUnsafeBytes { buffer.pointer.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        return Tensor(buffer: buffer, shape: shape, dtype: dtype)
    }

    private static func checkShape(_ shape: [Int], count: Int) throws {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw TensorError.invalidShape(shape) }
        guard Shape.elementCount(shape) == count else {
            throw TensorError.elementCountMismatch(count: count, shape: shape)
        }
    }
}

// MARK: - Reading values

extension Tensor {
    /// The elements in row-major order, converted to Double (int32 indices too).
    public func toArray() -> [Double] {
        let count = elementCount
        switch dtype {
        case .float64: return Array(UnsafeBufferPointer(start: buffer.typed(Double.self), count: count))
        case .float32: return UnsafeBufferPointer(start: buffer.typed(Float.self), count: count).map { Double($0) }
        case .int32: return UnsafeBufferPointer(start: buffer.typed(Int32.self), count: count).map { Double($0) }
        default: preconditionFailure("toArray: dtype \(dtype) has no storage")
        }
    }

    /// The elements of a float32 tensor.
    /// - Precondition: `dtype == .float32`.
    public func toFloatArray() -> [Float] {
        precondition(dtype == .float32, "toFloatArray: dtype is \(dtype); expected float32")
        return Array(UnsafeBufferPointer(start: buffer.typed(Float.self), count: elementCount))
    }

    /// The elements of an int32 tensor.
    /// - Precondition: `dtype == .int32`.
    public func toInt32Array() -> [Int32] {
        precondition(dtype == .int32, "toInt32Array: dtype is \(dtype); expected int32")
        return Array(UnsafeBufferPointer(start: buffer.typed(Int32.self), count: elementCount))
    }

    /// The single element of a one-element tensor, as Double.
    /// - Precondition: `elementCount == 1`.
    public var scalarValue: Double {
        precondition(elementCount == 1, "scalarValue: tensor of shape \(shape) has \(elementCount) elements; expected 1")
        return toArray()[0]
    }

    /// Calls `body` with the raw elements, without copying.
    /// - Precondition: `T` matches `dtype` (Double for float64, Float for float32, Int32 for int32).
    public func withUnsafeBufferPointer<T, R>(
        as type: T.Type, _ body: (UnsafeBufferPointer<T>) throws -> R
    ) rethrows -> R {
        precondition(MemoryLayout<T>.stride == dtype.byteSize, "withUnsafeBufferPointer: \(T.self) does not match dtype \(dtype)")
        return try withExtendedLifetime(buffer) {
            try body(UnsafeBufferPointer(start: buffer.typed(T.self), count: elementCount))
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// Shape, dtype and up to eight leading values, e.g. `Tensor([2, 3], float64) [1.0, 2.0, ...]`.
    public var description: String {
        let values = toArray()
        let shown = values.prefix(8).map { "\($0)" }.joined(separator: ", ")
        let more = values.count > 8 ? ", ..." : ""
        return "Tensor(\(shape), \(dtype)\(requiresGrad ? ", requiresGrad" : "")) [\(shown)\(more)]"
    }
}
