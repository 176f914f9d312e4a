// SwiftMACE, MIT licence.
// Shape arithmetic shared by ops and kernels: element counts, strides, numpy broadcasting, axes.

/// Shape helpers. Shapes are `[Int]`, row-major, outermost dimension first; `[]` is a scalar.
public enum Shape {
    /// The number of elements of a tensor of `shape` (1 for a scalar).
    public static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Row-major strides, in elements.
    static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = stride
            stride *= shape[axis]
        }
        return strides
    }

    /// The numpy broadcast of two shapes, or nil when they do not broadcast.
    public static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        let rank = max(a.count, b.count)
        var result = [Int](repeating: 1, count: rank)
        for axis in 0..<rank {
            let da = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
            let db = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
            if da == db || db == 1 {
                result[axis] = da
            } else if da == 1 {
                result[axis] = db
            } else {
                return nil
            }
        }
        return result
    }

    /// Element strides that read a tensor of `shape` as if broadcast to `target` (0 on repeated axes).
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = contiguousStrides(shape)
        let offset = target.count - shape.count
        return target.indices.map { axis in
            axis < offset || shape[axis - offset] == 1 ? 0 : own[axis - offset]
        }
    }

    /// An axis in `0..<rank`, accepting negative axes counted from the end.
    static func normalizedAxis(_ axis: Int, rank: Int, function: String = #function) -> Int {
        let normalized = axis < 0 ? axis + rank : axis
        precondition(normalized >= 0 && normalized < rank, "\(function): axis \(axis) out of range for rank \(rank)")
        return normalized
    }
}
