// SwiftMACE, MIT licence.
// Backend: the small closed set of primitive kernels every device implements (tinygrad style); all
// user-facing ops and all gradient rules are compositions of these.

/// Element-wise functions of one tensor.
enum UnaryOp: Sendable, Equatable {
    case negate, exp, log, sin, cos, sqrt, tanh, sigmoid, silu, square
    /// x^exponent, element-wise.
    case power(Double)
}

/// Element-wise functions of two broadcast tensors. Comparisons return 1 or 0 in the operands' dtype.
enum BinaryOp: Sendable, Equatable {
    case add, subtract, multiply, divide
    case less, lessOrEqual, greater, greaterOrEqual, equal
}

/// A strided window on a contiguous buffer: element `i` (multi-index) sits at `offset + Σ i_d strides_d`.
/// A stride of 0 repeats an element (broadcasting).
struct StridedView: Equatable {
    var shape: [Int]
    var offset: Int
    var strides: [Int]

    /// The whole of a contiguous tensor of `shape`.
    init(contiguous shape: [Int]) {
        self.init(shape: shape, offset: 0, strides: Shape.contiguousStrides(shape))
    }

    init(shape: [Int], offset: Int, strides: [Int]) {
        self.shape = shape
        self.offset = offset
        self.strides = strides
    }
}

/// The primitive kernels. Inputs are tensors whose storage lives on the backend's device;
/// results are new, fully written buffers of contiguous row-major elements. Shapes and dtypes
/// are checked by the ops before they call in: backends may assume them valid.
protocol Backend: Sendable {
    func filled(_ value: Double, count: Int, dtype: DType) -> Buffer
    func unary(_ op: UnaryOp, _ x: Tensor) -> Buffer
    /// `a` and `b` broadcast to `shape` (numpy rules).
    func binary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Buffer
    /// Where `condition` is non-zero take `a`, else `b`; all three broadcast to `shape`.
    func select(_ condition: Tensor, _ a: Tensor, _ b: Tensor, shape: [Int]) -> Buffer
    /// Sum over `axes` (sorted, unique), keeping them as size-1 dimensions.
    func sum(_ x: Tensor, axes: [Int]) -> Buffer
    /// `a[..., m, k] · b[..., k, n]` with the batch dimensions broadcast to `batchShape`.
    func matmul(_ a: Tensor, _ b: Tensor, batchShape: [Int]) -> Buffer
    /// `x` with the `axis` dimension re-indexed by `indices` (int32, in range).
    func gather(_ x: Tensor, indices: Tensor, axis: Int) -> Buffer
    /// Zeros with `count` along `axis`, then slice `indices[j]` += `x` slice `j` (int32, in range).
    func scatterSum(_ x: Tensor, indices: Tensor, axis: Int, count: Int) -> Buffer
    /// The elements of `view` (a window on `x`'s storage) as a new contiguous buffer.
    func copy(_ x: Tensor, view: StridedView) -> Buffer
    /// Writes contiguous `x` into `destination` at `view` (used to assemble concatenations and padding).
    func write(_ x: Tensor, into destination: Buffer, at view: StridedView)
    func converted(_ x: Tensor, to dtype: DType) -> Buffer
}
