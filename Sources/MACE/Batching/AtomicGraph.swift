// SwiftMACE, MIT licence.
// AtomicGraph: several configurations batched into one graph (nodes, edges from the neighbour list with the model's
// r_max, unit shifts, cells, graph index per node), mace's `AtomicData` batch (MACE.md §9).

import Atoms

/// A batch of structures as one disconnected graph.
///
/// Nodes of structure g are `ptr[g]..<ptr[g+1]`; edges use global node indices, with
/// `vector = positions[receiver] − positions[sender] + unitShift · cells[graph of the edge]` (Å).
public struct AtomicGraph: Sendable {
    /// Cartesian positions, Å, `[numNodes]`.
    public let positions: [SIMD3<Double>]
    /// Element index of each node (position of its Z in the model's `atomicNumbers`), `[numNodes]`.
    public let elements: [Int32]
    /// Sender and receiver node of each edge, `[numEdges]`.
    public let senders: [Int32]
    public let receivers: [Int32]
    /// Integer periodic image offsets of each edge (as Double), `[numEdges]`.
    public let unitShifts: [SIMD3<Double>]
    /// Graph index of each edge, `[numEdges]`.
    public let edgeGraphs: [Int32]
    /// Cell of each graph (rows, Å), `[numGraphs]`.
    public let cells: [Matrix3]
    /// Whether each graph is periodic in all directions with a cell (stress is reported only then), `[numGraphs]`.
    public let periodic: [Bool]
    /// Graph index of each node, `[numNodes]`.
    public let batch: [Int32]
    /// Node offsets, `[numGraphs + 1]`.
    public let ptr: [Int]

    public var numNodes: Int { positions.count }
    public var numEdges: Int { senders.count }
    public var numGraphs: Int { cells.count }

    /// Batches configurations, building each neighbour list with `cutoff`.
    /// - Parameters:
    ///   - atomicNumbers: the model's elements, ascending (`MACEConfig.atomicNumbers`).
    ///   - cutoff: `r_max`, Å.
    /// - Throws: `ModelError.unknownElement` for an element not in `atomicNumbers`; `ModelError.invalidStructure`
    ///   for a structure whose neighbour list cannot be built (non-finite positions, degenerate periodic cell).
    public init(configurations: [Configuration], atomicNumbers: [Int], cutoff: Double) throws {
        let index = Dictionary(uniqueKeysWithValues: atomicNumbers.enumerated().map { ($1, Int32($0)) })
        var positions: [SIMD3<Double>] = [], elements: [Int32] = [], batch: [Int32] = [], ptr = [0]
        var senders: [Int32] = [], receivers: [Int32] = [], shifts: [SIMD3<Double>] = [], edgeGraphs: [Int32] = []
        var cells: [Matrix3] = [], periodic: [Bool] = []
        for (g, configuration) in configurations.enumerated() {
            for z in configuration.atomicNumbers {
                guard let element = index[z] else { throw ModelError.unknownElement(atomicNumber: z, modelElements: atomicNumbers) }
                elements.append(element)
            }
            let list: NeighbourList
            do {
                list = try NeighbourList(configuration: configuration, cutoff: cutoff)
            } catch {
                throw ModelError.invalidStructure(index: g, reason: "\(error)")
            }
            guard positions.count + configuration.numAtoms <= Int(Int32.max) else {
                throw ModelError.invalidStructure(index: g, reason: "the batch exceeds \(Int32.max) atoms")
            }
            let offset = Int32(positions.count)
            senders += list.senders.map { $0 + offset }
            receivers += list.receivers.map { $0 + offset }
            shifts += list.unitShifts.map { SIMD3<Double>(Double($0.x), Double($0.y), Double($0.z)) }
            edgeGraphs += [Int32](repeating: Int32(g), count: list.numEdges)
            positions += configuration.positions
            batch += [Int32](repeating: Int32(g), count: configuration.numAtoms)
            ptr.append(positions.count)
            cells.append(configuration.cell)
            periodic.append(configuration.pbc.all && configuration.hasCell)
        }
        self.positions = positions
        self.elements = elements
        self.senders = senders
        self.receivers = receivers
        self.unitShifts = shifts
        self.edgeGraphs = edgeGraphs
        self.cells = cells
        self.periodic = periodic
        self.batch = batch
        self.ptr = ptr
    }
}
