// SwiftMACE, MIT licence.
// SearchLattice: the checked cell of a neighbour search, completed to a full basis, with the lattice-plane
// spacings that decide how many periodic images a cutoff reaches.

/// The lattice a neighbour search works in.
///
/// `basis` keeps the cell's periodic rows and replaces every non-periodic row by a unit vector orthogonal to
/// all other rows, so fractional coordinates along non-periodic directions are plain Cartesian projections
/// (Å) and the cell's own non-periodic rows (which may be zero) never matter, as in mace-torch (MACE.md §9).
struct SearchLattice {
    /// Largest number of images of the cell along one periodic direction on each side.
    static let maximumImagesPerAxis = 1000
    /// Largest number of cell images, all directions together, a search may visit.
    static let maximumImageCount = 10_000_000

    let pbc: PBC
    let basis: Matrix3
    let inverseBasis: Matrix3
    /// Distance between neighbouring lattice planes of `basis` along each direction (Å): |det| / |b_i × b_j|.
    let planeSpacings: SIMD3<Double>
    /// For each periodic direction, how many images on each side the cutoff reaches: ceil(cutoff / spacing);
    /// 0 for non-periodic directions.
    let imageCounts: SIMD3<Int>

    /// Checks `cell` and `pbc` for a search with `cutoff` (already checked finite and positive).
    ///
    /// - Throws: `AtomsError.invalidGeometry` when the cell has a non-finite entry, a periodic cell vector is
    ///   zero, the periodic cell vectors are linearly dependent, or the cutoff reaches too many images.
    init(cell: Matrix3, pbc: PBC, cutoff: Double) throws {
        guard cell.rowMajor.allSatisfy(\.isFinite) else {
            throw AtomsError.invalidGeometry(nil, reason: "cell \(cell.rowMajor) has a non-finite entry")
        }
        let periodic = (0..<3).filter { pbc[$0] }
        for axis in periodic where cell[axis] == .zero {
            throw AtomsError.invalidGeometry(
                nil, reason: "cell vector \(axis) is zero but direction \(axis) is periodic (pbc \(pbc))")
        }
        let basis = try Self.completedBasis(cell: cell, periodic: periodic)
        // The basis is non-singular by construction once the periodic rows are independent.
        guard let inverse = basis.inverse else {
            throw AtomsError.invalidGeometry(nil, reason: "cell \(cell.rowMajor) is singular")
        }
        let volume = abs(basis.determinant)
        let spacings = SIMD3(
            volume / norm(cross(basis[1], basis[2])), volume / norm(cross(basis[2], basis[0])),
            volume / norm(cross(basis[0], basis[1])))

        var imageCounts = SIMD3<Int>.zero
        var totalImages = 1.0
        for axis in periodic {
            let reach = (cutoff / spacings[axis]).rounded(.up)
            guard reach <= Double(Self.maximumImagesPerAxis) else {
                throw AtomsError.invalidGeometry(
                    nil,
                    reason: "cutoff \(cutoff) Å reaches \(reach) periodic images along cell vector \(axis) "
                        + "(lattice plane spacing \(spacings[axis]) Å); at most \(Self.maximumImagesPerAxis) "
                        + "are supported")
            }
            imageCounts[axis] = Int(reach)
            totalImages *= 2 * reach + 1
        }
        guard totalImages <= Double(Self.maximumImageCount) else {
            throw AtomsError.invalidGeometry(
                nil,
                reason: "cutoff \(cutoff) Å reaches \(Int(totalImages)) periodic cell images; at most "
                    + "\(Self.maximumImageCount) are supported")
        }
        self.pbc = pbc
        self.basis = basis
        self.inverseBasis = inverse
        self.planeSpacings = spacings
        self.imageCounts = imageCounts
    }

    /// The cell's periodic rows plus orthonormal rows spanning the rest of space.
    ///
    /// Linear dependence is judged scale-free: the volume (or area) the periodic rows span, divided by the
    /// product of their lengths, must exceed 1e-10 (a sine of the angle between them, in 2D).
    private static func completedBasis(cell: Matrix3, periodic: [Int]) throws -> Matrix3 {
        var basis = Matrix3.identity
        for axis in periodic { basis[axis] = cell[axis] }
        let degenerate = AtomsError.invalidGeometry(
            nil,
            reason: "periodic cell vectors [\(periodic.map { describe(cell[$0]) }.joined(separator: ", "))] are "
                + "linearly dependent (degenerate cell)")
        switch periodic.count {
        case 1:
            let a = cell[periodic[0]] / norm(cell[periodic[0]])
            // Any vector not parallel to `a` gives the first complement direction; the least aligned axis
            // keeps the cross product well conditioned.
            let magnitudes = absolute(a)
            let helper: SIMD3<Double> =
                magnitudes.x <= magnitudes.y && magnitudes.x <= magnitudes.z
                ? SIMD3(1, 0, 0) : magnitudes.y <= magnitudes.z ? SIMD3(0, 1, 0) : SIMD3(0, 0, 1)
            let u = cross(a, helper)
            let first = u / norm(u)
            let others = (0..<3).filter { $0 != periodic[0] }
            basis[others[0]] = first
            basis[others[1]] = cross(a, first)
        case 2:
            let (a, b) = (cell[periodic[0]], cell[periodic[1]])
            let normal = cross(a, b)
            guard norm(normal) / (norm(a) * norm(b)) > 1e-10 else { throw degenerate }
            let other = (0..<3).first { !periodic.contains($0) } ?? 2
            basis[other] = normal / norm(normal)
        case 3:
            let lengths = norm(cell[0]) * norm(cell[1]) * norm(cell[2])
            guard abs(cell.determinant) / lengths > 1e-10 else { throw degenerate }
        default:
            break
        }
        return basis
    }
}

/// The component-wise absolute value.
func absolute(_ v: SIMD3<Double>) -> SIMD3<Double> { SIMD3(abs(v.x), abs(v.y), abs(v.z)) }

/// A 3-vector as "(x, y, z)", for messages.
func describe(_ v: SIMD3<Double>) -> String { "(\(v.x), \(v.y), \(v.z))" }
