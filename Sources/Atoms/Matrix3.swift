// SwiftMACE, MIT licence.
// Matrix3: a 3×3 double matrix stored as three rows, for cells (rows are lattice vectors), stress and virials.

/// A 3×3 matrix of `Double`, stored as three rows.
///
/// For a cell, row `i` is lattice vector `i` (Å), as in ASE and mace-torch, so a fractional coordinate `f`
/// maps to the Cartesian position `f · cell` (row vector times matrix).
public struct Matrix3: Sendable, Hashable, CustomStringConvertible {
    public var rows: (SIMD3<Double>, SIMD3<Double>, SIMD3<Double>)

    public init(rows r0: SIMD3<Double>, _ r1: SIMD3<Double>, _ r2: SIMD3<Double>) {
        rows = (r0, r1, r2)
    }

    /// Builds a matrix from nine numbers in row-major order.
    public init(rowMajor v: [Double]) {
        precondition(v.count == 9, "Matrix3(rowMajor:) needs 9 numbers, got \(v.count)")
        rows = (SIMD3(v[0], v[1], v[2]), SIMD3(v[3], v[4], v[5]), SIMD3(v[6], v[7], v[8]))
    }

    public static let zero = Matrix3(rows: .zero, .zero, .zero)
    public static let identity = Matrix3(rows: SIMD3(1, 0, 0), SIMD3(0, 1, 0), SIMD3(0, 0, 1))

    /// Builds a diagonal matrix.
    public static func diagonal(_ a: Double, _ b: Double, _ c: Double) -> Matrix3 {
        Matrix3(rows: SIMD3(a, 0, 0), SIMD3(0, b, 0), SIMD3(0, 0, c))
    }

    public subscript(row: Int) -> SIMD3<Double> {
        get {
            switch row {
            case 0: rows.0
            case 1: rows.1
            default: rows.2
            }
        }
        set {
            switch row {
            case 0: rows.0 = newValue
            case 1: rows.1 = newValue
            default: rows.2 = newValue
            }
        }
    }

    public subscript(row: Int, column: Int) -> Double {
        get { self[row][column] }
        set { self[row][column] = newValue }
    }

    /// The nine entries in row-major order.
    public var rowMajor: [Double] {
        [rows.0.x, rows.0.y, rows.0.z, rows.1.x, rows.1.y, rows.1.z, rows.2.x, rows.2.y, rows.2.z]
    }

    public var transposed: Matrix3 {
        Matrix3(
            rows: SIMD3(rows.0.x, rows.1.x, rows.2.x), SIMD3(rows.0.y, rows.1.y, rows.2.y),
            SIMD3(rows.0.z, rows.1.z, rows.2.z))
    }

    public var determinant: Double {
        let (a, b, c) = rows
        return a.x * (b.y * c.z - b.z * c.y) - a.y * (b.x * c.z - b.z * c.x) + a.z * (b.x * c.y - b.y * c.x)
    }

    /// The inverse, or `nil` when the matrix is singular (|det| below 1e-300).
    public var inverse: Matrix3? {
        let det = determinant
        guard abs(det) > 1e-300 else { return nil }
        let (a, b, c) = rows
        // Columns of the inverse are cross products of rows divided by the determinant.
        let c0 = cross(b, c) / det
        let c1 = cross(c, a) / det
        let c2 = cross(a, b) / det
        return Matrix3(rows: c0, c1, c2).transposed
    }

    /// Row vector times matrix: `v · M`.
    public static func * (v: SIMD3<Double>, m: Matrix3) -> SIMD3<Double> {
        v.x * m.rows.0 + v.y * m.rows.1 + v.z * m.rows.2
    }

    /// Matrix times column vector: `M · v`.
    public static func * (m: Matrix3, v: SIMD3<Double>) -> SIMD3<Double> {
        SIMD3((m.rows.0 * v).sum(), (m.rows.1 * v).sum(), (m.rows.2 * v).sum())
    }

    public static func * (a: Matrix3, b: Matrix3) -> Matrix3 {
        Matrix3(rows: a.rows.0 * b, a.rows.1 * b, a.rows.2 * b)
    }

    public static func * (s: Double, m: Matrix3) -> Matrix3 {
        Matrix3(rows: s * m.rows.0, s * m.rows.1, s * m.rows.2)
    }

    public static func + (a: Matrix3, b: Matrix3) -> Matrix3 {
        Matrix3(rows: a.rows.0 + b.rows.0, a.rows.1 + b.rows.1, a.rows.2 + b.rows.2)
    }

    public static func == (a: Matrix3, b: Matrix3) -> Bool { a.rowMajor == b.rowMajor }

    public func hash(into hasher: inout Hasher) { hasher.combine(rowMajor) }

    public var description: String { "Matrix3(\(rowMajor))" }
}

/// The cross product of two 3-vectors.
@inlinable
public func cross(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> SIMD3<Double> {
    SIMD3(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x)
}

/// The dot product of two 3-vectors.
@inlinable
public func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }

/// The Euclidean length of a 3-vector.
@inlinable
public func norm(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }
