// SwiftMACE, MIT licence.
// The channel loops of the CPU executor: element-wise products of contiguous channel rows added into an output
// row, eight lanes at a time (explicit SIMD, so baseline x86-64 builds vectorise too) with a scalar tail.

typealias ChannelScalar = BinaryFloatingPoint & SIMDScalar

enum ChannelLoops {
    @inline(__always)
    static func load<T: ChannelScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
    }

    @inline(__always)
    static func addStore<T: ChannelScalar>(_ p: UnsafeMutablePointer<T>, _ value: SIMD8<T>) {
        UnsafeMutableRawPointer(p).storeBytes(of: UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self) + value,
                                              as: SIMD8<T>.self)
    }

    /// `out[u] += a · x[u]`.
    @inline(__always)
    static func add<T: ChannelScalar>(
        _ n: Int, _ a: T, _ x: UnsafePointer<T>, into out: UnsafeMutablePointer<T>
    ) {
        var u = 0
        while u + 8 <= n {
            addStore(out + u, load(x + u) * a)
            u += 8
        }
        while u < n {
            out[u] += a * x[u]
            u += 1
        }
    }

    /// `out[u] += a · x[u] · y[u]`.
    @inline(__always)
    static func add<T: ChannelScalar>(
        _ n: Int, _ a: T, _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, into out: UnsafeMutablePointer<T>
    ) {
        var u = 0
        while u + 8 <= n {
            addStore(out + u, load(x + u) * load(y + u) * a)
            u += 8
        }
        while u < n {
            out[u] += a * x[u] * y[u]
            u += 1
        }
    }

    /// `out[u] += a · x[u] · y[u] · z[u]`.
    @inline(__always)
    static func add<T: ChannelScalar>(
        _ n: Int, _ a: T, _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ z: UnsafePointer<T>,
        into out: UnsafeMutablePointer<T>
    ) {
        var u = 0
        while u + 8 <= n {
            addStore(out + u, load(x + u) * load(y + u) * load(z + u) * a)
            u += 8
        }
        while u < n {
            out[u] += a * x[u] * y[u] * z[u]
            u += 1
        }
    }

    /// `out[u] += a · w[u] · x[u] · y[u] · z[u]`.
    @inline(__always)
    static func add<T: ChannelScalar>(
        _ n: Int, _ a: T, _ w: UnsafePointer<T>, _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ z: UnsafePointer<T>,
        into out: UnsafeMutablePointer<T>
    ) {
        var u = 0
        while u + 8 <= n {
            addStore(out + u, load(w + u) * load(x + u) * load(y + u) * load(z + u) * a)
            u += 8
        }
        while u < n {
            out[u] += a * w[u] * x[u] * y[u] * z[u]
            u += 1
        }
    }

    /// `out[u] = x[u] · y[u]`.
    @inline(__always)
    static func multiply<T: ChannelScalar>(
        _ n: Int, _ x: UnsafePointer<T>, _ y: UnsafePointer<T>, into out: UnsafeMutablePointer<T>
    ) {
        var u = 0
        while u + 8 <= n {
            UnsafeMutableRawPointer(out + u).storeBytes(of: load(x + u) * load(y + u), as: SIMD8<T>.self)
            u += 8
        }
        while u < n {
            out[u] = x[u] * y[u]
            u += 1
        }
    }

    /// `Σ_u x[u] · y[u]` (eight partial sums, then the tail: a fixed order).
    @inline(__always)
    static func dot<T: ChannelScalar>(_ n: Int, _ x: UnsafePointer<T>, _ y: UnsafePointer<T>) -> T {
        var partial = SIMD8<T>()
        var u = 0
        while u + 8 <= n {
            partial += load(x + u) * load(y + u)
            u += 8
        }
        var sum = partial.sum()
        while u < n {
            sum += x[u] * y[u]
            u += 1
        }
        return sum
    }
}
