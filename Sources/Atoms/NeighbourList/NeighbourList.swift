// SwiftMACE, MIT licence.
// NeighbourList: the graph edges of one configuration, in mace-torch's convention (matscipy "ijS",
// mace/data/neighborhood.py; MACE.md §9).

/// The directed edges (sender i, receiver j, unit shift S) between atoms closer than a cutoff.
///
/// Convention (mace-torch's `get_neighborhood`, which calls matscipy's `neighbour_list("ijS")`):
/// - edge k joins `senders[k]` = i to `receivers[k]` = j across the periodic image `unitShifts[k]` = S, and
///   its vector is `pos[j] − pos[i] + S·cell` (Å), with `shifts[k]` = S·cell;
/// - the edge exists when that vector is strictly shorter than the cutoff, computed as
///   `dot(v, v) < cutoff * cutoff` with `v = (positions[j] - positions[i]) + SIMD3<Double>(S) * cell`;
/// - both directions are present: (i, j, S) comes with (j, i, −S);
/// - the edge i → i with S = 0 is left out, while an atom's own periodic images (i → i, S ≠ 0) are edges;
/// - S is 0 along non-periodic directions, whatever the cell (a molecule may have a zero cell);
/// - positions may lie outside the cell (unwrapped trajectories): S is then whatever makes the vector
///   above, measured between the positions as given, the short one, as matscipy returns it.
///
/// Edges are sorted by sender, then receiver, then S (lexicographically by x, y, z), so the list depends
/// only on the input, not on threading. mace-torch's own order differs; energies and forces do not depend
/// on edge order apart from rounding (MACE.md §9).
///
/// Unlike mace-torch, which replaces a zero cell by the identity, a periodic direction needs a real cell
/// vector: a zero or linearly dependent periodic cell vector is an error rather than a 1 Å lattice.
public struct NeighbourList: Sendable, Equatable {
    /// Number of atoms of the configuration the list was built for.
    public let numAtoms: Int
    /// Sender atom i of each edge, `[numEdges]` (mace's `edge_index[0]`).
    public let senders: [Int32]
    /// Receiver atom j of each edge, `[numEdges]` (mace's `edge_index[1]`).
    public let receivers: [Int32]
    /// Integer periodic image offset S of each edge, `[numEdges]` (mace's `unit_shifts`).
    public let unitShifts: [SIMD3<Int32>]
    /// Cartesian shift S·cell of each edge in Å, `[numEdges]` (mace's `shifts`).
    public let shifts: [SIMD3<Double>]

    init(
        numAtoms: Int, senders: [Int32], receivers: [Int32], unitShifts: [SIMD3<Int32>], shifts: [SIMD3<Double>]
    ) {
        self.numAtoms = numAtoms
        self.senders = senders
        self.receivers = receivers
        self.unitShifts = unitShifts
        self.shifts = shifts
    }

    /// Number of edges (both directions counted).
    public var numEdges: Int { senders.count }

    /// Builds the neighbour list of a configuration (its positions, cell and pbc).
    ///
    /// - Parameters:
    ///   - configuration: the structure; positions and cell in Å.
    ///   - cutoff: the interaction cutoff `r_max` in Å, finite and positive.
    /// - Throws: `AtomsError.invalidGeometry` for a non-positive or non-finite cutoff, a non-finite position
    ///   or cell entry, a zero or degenerate periodic cell vector, a cutoff that reaches more than 1000
    ///   cell images along one direction (10⁷ in all), or an atom more than 2²⁴ cell lengths outside the cell.
    public init(configuration: Configuration, cutoff: Double) throws {
        try self.init(
            positions: configuration.positions, cell: configuration.cell, pbc: configuration.pbc, cutoff: cutoff)
    }

    /// Builds the neighbour list of atoms at `positions` in `cell` with periodic directions `pbc`.
    ///
    /// Runs in O(numAtoms + numEdges) time with a linked-cell search, in parallel over all cores.
    ///
    /// - Parameters:
    ///   - positions: Cartesian positions in Å, `[numAtoms]`; they may lie outside the cell.
    ///   - cell: lattice vectors as rows (Å); only the rows of periodic directions are used.
    ///   - pbc: which cell directions are periodic.
    ///   - cutoff: the cutoff in Å, finite and positive; edges are strictly shorter.
    /// - Throws: `AtomsError.invalidGeometry`, as `init(configuration:cutoff:)`.
    public init(positions: [SIMD3<Double>], cell: Matrix3 = .zero, pbc: PBC = .none, cutoff: Double) throws {
        guard cutoff.isFinite && cutoff > 0 else {
            throw AtomsError.invalidGeometry(
                nil, reason: "neighbour-list cutoff \(cutoff) Å is not a finite positive distance")
        }
        guard positions.count <= Int(Int32.max) else {
            throw AtomsError.invalidGeometry(
                nil, reason: "\(positions.count) atoms; a neighbour list holds at most \(Int32.max)")
        }
        if let atom = positions.firstIndex(where: { !($0.x.isFinite && $0.y.isFinite && $0.z.isFinite) }) {
            throw AtomsError.invalidGeometry(
                nil, reason: "atom \(atom) has a non-finite position \(describe(positions[atom]))")
        }
        self = try CellListBuilder(positions: positions, cell: cell, pbc: pbc, cutoff: cutoff).build()
    }
}
