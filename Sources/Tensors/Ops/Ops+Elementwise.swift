// SwiftMACE, MIT licence.
// Element-wise ops: arithmetic operators with numpy broadcasting, scalar mixing, comparisons, which (where),
// and unary functions. Gradient rules: Autodiff/Gradients+Elementwise.swift.

extension Tensor {
    var backend: CPUBackend { CPUBackend.shared }

    func unaryOp(_ op: UnaryOp, rule: @escaping BackwardRule) -> Tensor {
        precondition(dtype == .float64 || dtype == .float32, "\(op): dtype \(dtype) of shape \(shape) is not float64 or float32")
        return Tensor.record(buffer: backend.unary(op, self), shape: shape, dtype: dtype, inputs: [self], rule: rule)
    }

    /// Broadcasts two operands (numpy rules) and applies `op`; `rule` nil means not differentiable.
    static func binaryOp(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, rule: BackwardRule?) -> Tensor {
        precondition(a.dtype == b.dtype && (a.dtype == .float64 || a.dtype == .float32),
                     "\(op): dtypes \(a.dtype) and \(b.dtype) differ or are not float64/float32 (shapes \(a.shape), \(b.shape))")
        guard let shape = Shape.broadcast(a.shape, b.shape) else {
            preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not broadcast")
        }
        let buffer = CPUBackend.shared.binary(op, a, b, shape: shape)
        guard let rule else { return Tensor(buffer: buffer, shape: shape, dtype: a.dtype) }
        return record(buffer: buffer, shape: shape, dtype: a.dtype, inputs: [a, b], rule: rule)
    }

    /// A scalar of this tensor's dtype (scalars take the tensor's dtype: no silent promotion).
    func scalar(_ value: Double) -> Tensor { Tensor(scalar: value, dtype: dtype) }

    /// Element-wise sum, broadcasting `a` and `b` (numpy rules). Precondition: same float dtype, shapes broadcast.
    public static func + (a: Tensor, b: Tensor) -> Tensor { binaryOp(.add, a, b, rule: ElementwiseGradients.add) }
    /// Element-wise difference, broadcasting.
    public static func - (a: Tensor, b: Tensor) -> Tensor { binaryOp(.subtract, a, b, rule: ElementwiseGradients.subtract) }
    /// Element-wise product, broadcasting.
    public static func * (a: Tensor, b: Tensor) -> Tensor { binaryOp(.multiply, a, b, rule: ElementwiseGradients.multiply) }
    /// Element-wise quotient, broadcasting.
    public static func / (a: Tensor, b: Tensor) -> Tensor { binaryOp(.divide, a, b, rule: ElementwiseGradients.divide) }
    /// Negation.
    public static prefix func - (x: Tensor) -> Tensor { x.unaryOp(.negate, rule: ElementwiseGradients.negate) }

    public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalar(b) }
    public static func + (a: Double, b: Tensor) -> Tensor { b.scalar(a) + b }
    public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalar(b) }
    public static func - (a: Double, b: Tensor) -> Tensor { b.scalar(a) - b }
    public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalar(b) }
    public static func * (a: Double, b: Tensor) -> Tensor { b.scalar(a) * b }
    public static func / (a: Tensor, b: Double) -> Tensor { a / a.scalar(b) }
    public static func / (a: Double, b: Tensor) -> Tensor { b.scalar(a) / b }

    /// 1 where `a < b`, else 0 (same dtype, broadcast; not differentiable).
    public static func .< (a: Tensor, b: Tensor) -> Tensor { binaryOp(.less, a, b, rule: nil) }
    /// 1 where `a <= b`, else 0.
    public static func .<= (a: Tensor, b: Tensor) -> Tensor { binaryOp(.lessOrEqual, a, b, rule: nil) }
    /// 1 where `a > b`, else 0.
    public static func .> (a: Tensor, b: Tensor) -> Tensor { binaryOp(.greater, a, b, rule: nil) }
    /// 1 where `a >= b`, else 0.
    public static func .>= (a: Tensor, b: Tensor) -> Tensor { binaryOp(.greaterOrEqual, a, b, rule: nil) }
    /// 1 where `a == b`, else 0.
    public static func .== (a: Tensor, b: Tensor) -> Tensor { binaryOp(.equal, a, b, rule: nil) }
    public static func .< (a: Tensor, b: Double) -> Tensor { a .< a.scalar(b) }
    public static func .<= (a: Tensor, b: Double) -> Tensor { a .<= a.scalar(b) }
    public static func .> (a: Tensor, b: Double) -> Tensor { a .> a.scalar(b) }
    public static func .>= (a: Tensor, b: Double) -> Tensor { a .>= a.scalar(b) }
    public static func .== (a: Tensor, b: Double) -> Tensor { a .== a.scalar(b) }

    /// x², element-wise. See also `pow(_:_:)`.
    public func squared() -> Tensor { unaryOp(.square, rule: ElementwiseGradients.square) }
}

/// Where `condition` is non-zero take `a`, else `b` (numpy `where`); all three broadcast.
/// Unlike `condition * a + (1 - condition) * b` the value never mixes in a NaN or infinity from the
/// branch not taken. Gradients flow to `a` and `b`, not to `condition`; as in PyTorch, a branch whose
/// own derivative is infinite where it is not taken still gives NaN (0 · ∞) upstream, so make its
/// input safe too: `which(c, log(which(c, x, 1)), y)`.
public func which(_ condition: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.dtype == b.dtype && condition.dtype == a.dtype,
                 "which: dtypes \(condition.dtype), \(a.dtype), \(b.dtype) differ (shapes \(condition.shape), \(a.shape), \(b.shape))")
    guard let ab = Shape.broadcast(a.shape, b.shape), let shape = Shape.broadcast(condition.shape, ab) else {
        preconditionFailure("which: shapes \(condition.shape), \(a.shape), \(b.shape) do not broadcast")
    }
    let buffer = CPUBackend.shared.select(condition, a, b, shape: shape)
    return Tensor.record(buffer: buffer, shape: shape, dtype: a.dtype, inputs: [condition, a, b],
                         rule: ElementwiseGradients.which)
}

/// eˣ, element-wise.
public func exp(_ x: Tensor) -> Tensor { x.unaryOp(.exp, rule: ElementwiseGradients.exp) }
/// Natural logarithm, element-wise.
public func log(_ x: Tensor) -> Tensor { x.unaryOp(.log, rule: ElementwiseGradients.log) }
/// Sine, element-wise (radians).
public func sin(_ x: Tensor) -> Tensor { x.unaryOp(.sin, rule: ElementwiseGradients.sin) }
/// Cosine, element-wise (radians).
public func cos(_ x: Tensor) -> Tensor { x.unaryOp(.cos, rule: ElementwiseGradients.cos) }
/// Square root, element-wise.
public func sqrt(_ x: Tensor) -> Tensor { x.unaryOp(.sqrt, rule: ElementwiseGradients.sqrt) }
/// Hyperbolic tangent, element-wise.
public func tanh(_ x: Tensor) -> Tensor { x.unaryOp(.tanh, rule: ElementwiseGradients.tanh) }
/// 1 / (1 + e⁻ˣ), element-wise.
public func sigmoid(_ x: Tensor) -> Tensor { x.unaryOp(.sigmoid, rule: ElementwiseGradients.sigmoid) }
/// x · sigmoid(x) (SiLU / swish), element-wise; MACE's radial MLP activation (MACE.md §4.5).
public func silu(_ x: Tensor) -> Tensor { x.unaryOp(.silu, rule: ElementwiseGradients.silu) }
/// x², element-wise.
public func square(_ x: Tensor) -> Tensor { x.squared() }
/// xᵖ with a constant exponent, element-wise.
public func pow(_ x: Tensor, _ exponent: Double) -> Tensor {
    x.unaryOp(.power(exponent), rule: ElementwiseGradients.power(exponent))
}
/// Negation, element-wise.
public func neg(_ x: Tensor) -> Tensor { -x }
