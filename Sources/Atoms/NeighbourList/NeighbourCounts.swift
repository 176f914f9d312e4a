// SwiftMACE, MIT licence.
// NeighbourCounts: edge and atom totals over one or more neighbour lists, giving the mean number of neighbours
// as mace-torch's `compute_avg_num_neighbors` (mace/modules/utils.py) and per atom.

/// Running totals of edges and atoms over neighbour lists, for mean neighbour counts.
public struct NeighbourCounts: Sendable, Equatable {
    /// Atoms in all lists added.
    public private(set) var numAtoms = 0
    /// Edges in all lists added.
    public private(set) var numEdges = 0
    /// Atoms that receive at least one edge.
    public private(set) var numReceivingAtoms = 0

    public init() {}

    /// The counts of one list.
    public init(_ list: NeighbourList) {
        add(list)
    }

    /// Adds the counts of one list.
    public mutating func add(_ list: NeighbourList) {
        var receives = [Bool](repeating: false, count: list.numAtoms)
        for receiver in list.receivers where Int(receiver) < receives.count { receives[Int(receiver)] = true }
        numAtoms += list.numAtoms
        numEdges += list.numEdges
        numReceivingAtoms += receives.reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// Adds another set of counts.
    public mutating func add(_ other: NeighbourCounts) {
        numAtoms += other.numAtoms
        numEdges += other.numEdges
        numReceivingAtoms += other.numReceivingAtoms
    }

    /// Mean number of incoming edges over atoms that have at least one: mace-torch's `avg_num_neighbors`
    /// (`compute_avg_num_neighbors` averages `torch.unique(receivers, return_counts=True)` counts over all
    /// atoms of the training set). `nil` when no atom has a neighbour (mace-torch would get NaN).
    public var meanNeighboursOfReceivingAtoms: Double? {
        numReceivingAtoms > 0 ? Double(numEdges) / Double(numReceivingAtoms) : nil
    }

    /// Edges per atom over all atoms, isolated ones included; `nil` without atoms.
    public var meanNeighboursPerAtom: Double? {
        numAtoms > 0 ? Double(numEdges) / Double(numAtoms) : nil
    }
}
