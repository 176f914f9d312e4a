// SwiftMACE, MIT licence.
// FloatElement: the Swift scalar types behind .float64 and .float32, with the libm functions kernels need.

import Foundation

/// A floating-point scalar the CPU kernels are generic over (Double, Float); kernels are
/// specialised per type by the optimiser, so the protocol costs nothing in release builds.
protocol FloatElement: BinaryFloatingPoint, SIMDScalar, Sendable, Codable {
    static var dtype: DType { get }
    static func exponential(_ x: Self) -> Self
    static func logarithm(_ x: Self) -> Self
    static func sine(_ x: Self) -> Self
    static func cosine(_ x: Self) -> Self
    static func hyperbolicTangent(_ x: Self) -> Self
    static func power(_ x: Self, _ y: Self) -> Self
}

extension Double: FloatElement {
    static var dtype: DType { .float64 }
    @inline(__always) static func exponential(_ x: Double) -> Double { Foundation.exp(x) }
    @inline(__always) static func logarithm(_ x: Double) -> Double { Foundation.log(x) }
    @inline(__always) static func sine(_ x: Double) -> Double { Foundation.sin(x) }
    @inline(__always) static func cosine(_ x: Double) -> Double { Foundation.cos(x) }
    @inline(__always) static func hyperbolicTangent(_ x: Double) -> Double { Foundation.tanh(x) }
    @inline(__always) static func power(_ x: Double, _ y: Double) -> Double { Foundation.pow(x, y) }
}

extension Float: FloatElement {
    static var dtype: DType { .float32 }
    @inline(__always) static func exponential(_ x: Float) -> Float { Foundation.expf(x) }
    @inline(__always) static func logarithm(_ x: Float) -> Float { Foundation.logf(x) }
    @inline(__always) static func sine(_ x: Float) -> Float { Foundation.sinf(x) }
    @inline(__always) static func cosine(_ x: Float) -> Float { Foundation.cosf(x) }
    @inline(__always) static func hyperbolicTangent(_ x: Float) -> Float { Foundation.tanhf(x) }
    @inline(__always) static func power(_ x: Float, _ y: Float) -> Float { Foundation.powf(x, y) }
}
