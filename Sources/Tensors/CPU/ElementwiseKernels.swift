// SwiftMACE, MIT licence.
// CPU element-wise kernels: unary maps over contiguous storage, and binary/select over broadcast
// operands with contiguous inner loops (the compiler vectorises the arithmetic ones).

/// A binary scalar function, as a type so each kernel is specialised and inlined per function.
protocol BinaryFunction {
    static func apply<T: FloatElement>(_ a: T, _ b: T) -> T
}

enum AddFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a + b } }
enum SubtractFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a - b } }
enum MultiplyFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a * b } }
enum DivideFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a / b } }
enum LessFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a < b ? 1 : 0 } }
enum LessOrEqualFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a <= b ? 1 : 0 } }
enum GreaterFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a > b ? 1 : 0 } }
enum GreaterOrEqualFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a >= b ? 1 : 0 } }
enum EqualFunction: BinaryFunction { @inline(__always) static func apply<T: FloatElement>(_ a: T, _ b: T) -> T { a == b ? 1 : 0 } }

enum ElementwiseKernels {
    static func unary<T: FloatElement>(_ op: UnaryOp, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, count: Int) {
        switch op {
        case .negate: map(x, y, count, cost: 1) { -$0 }
        case .square: map(x, y, count, cost: 1) { $0 * $0 }
        case .sqrt: map(x, y, count, cost: 4) { $0.squareRoot() }
        case .exp: map(x, y, count, cost: 16) { T.exponential($0) }
        case .log: map(x, y, count, cost: 16) { T.logarithm($0) }
        case .sin: map(x, y, count, cost: 16) { T.sine($0) }
        case .cos: map(x, y, count, cost: 16) { T.cosine($0) }
        case .tanh: map(x, y, count, cost: 16) { T.hyperbolicTangent($0) }
        case .sigmoid: map(x, y, count, cost: 16) { 1 / (1 + T.exponential(-$0)) }
        case .silu: map(x, y, count, cost: 16) { $0 / (1 + T.exponential(-$0)) }
        case .power(let exponent):
            let p = T(exponent)
            if exponent == 2 {
                map(x, y, count, cost: 1) { $0 * $0 }
            } else if exponent == 1 {
                map(x, y, count, cost: 1) { $0 }
            } else if exponent == 0 {
                map(x, y, count, cost: 1) { _ in 1 }
            } else {
                map(x, y, count, cost: 16) { T.power($0, p) }
            }
        }
    }

    @inline(__always)
    private static func map<T>(
        _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int, cost: Int, _ f: (T) -> T
    ) {
        Parallel.forEachChunk(count, workPerItem: cost) { range in
            for i in range { y[i] = f(x[i]) }
        }
    }

    static func binary<T: FloatElement>(
        _ op: BinaryOp, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, loop: StridedLoop
    ) {
        switch op {
        case .add: binary(AddFunction.self, a, b, out, loop)
        case .subtract: binary(SubtractFunction.self, a, b, out, loop)
        case .multiply: binary(MultiplyFunction.self, a, b, out, loop)
        case .divide: binary(DivideFunction.self, a, b, out, loop)
        case .less: binary(LessFunction.self, a, b, out, loop)
        case .lessOrEqual: binary(LessOrEqualFunction.self, a, b, out, loop)
        case .greater: binary(GreaterFunction.self, a, b, out, loop)
        case .greaterOrEqual: binary(GreaterOrEqualFunction.self, a, b, out, loop)
        case .equal: binary(EqualFunction.self, a, b, out, loop)
        }
    }

    /// Operand order in `loop`: output, a, b. The inner loop is specialised on whether each input
    /// is contiguous (stride 1) or repeated (stride 0) along it.
    private static func binary<T: FloatElement, F: BinaryFunction>(
        _: F.Type, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ loop: StridedLoop
    ) {
        let n = loop.innerCount
        let strideA = loop.innerStrides[1], strideB = loop.innerStrides[2]
        loop.parallelRows { _, offsets in
            let o = out + offsets[0], x = a + offsets[1], y = b + offsets[2]
            switch (strideA, strideB) {
            case (1, 1): for i in 0..<n { o[i] = F.apply(x[i], y[i]) }
            case (1, 0): let s = y[0]; for i in 0..<n { o[i] = F.apply(x[i], s) }
            case (0, 1): let s = x[0]; for i in 0..<n { o[i] = F.apply(s, y[i]) }
            default: for i in 0..<n { o[i] = F.apply(x[i * strideA], y[i * strideB]) }
            }
        }
    }

    /// Operand order in `loop`: output, condition, a, b.
    static func select<T: FloatElement>(
        _ condition: UnsafePointer<T>, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>,
        loop: StridedLoop
    ) {
        let n = loop.innerCount
        let sc = loop.innerStrides[1], sa = loop.innerStrides[2], sb = loop.innerStrides[3]
        loop.parallelRows { _, offsets in
            let o = out + offsets[0], c = condition + offsets[1], x = a + offsets[2], y = b + offsets[3]
            for i in 0..<n { o[i] = c[i * sc] != 0 ? x[i * sa] : y[i * sb] }
        }
    }
}
