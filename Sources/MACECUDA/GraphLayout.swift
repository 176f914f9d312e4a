// SwiftMACE, MIT licence.
// GraphLayout: a batch graph reordered for the GPU (host side only): nodes grouped by element (so the skip TP is
// one GEMM per element on contiguous rows), edges sorted by receiver (so the receiver CSR is the identity and
// per-edge buffers are walked in order), the sender CSR for the transposed sums, Cartesian edge shifts.

import Atoms
import Equivariance
import MACE

/// The device order of one ``AtomicGraph``: `nodeOrder[new] = old`, `edgeOrder[new] = old`.
struct GraphLayout: Sendable, Equatable {
    let nodeCount: Int
    let edgeCount: Int
    /// Original node index of each device row, nodes stably sorted by element.
    let nodeOrder: [Int]
    /// Original edge index of each device edge, edges stably sorted by (device) receiver.
    let edgeOrder: [Int]
    /// Device rows of each element: `elementRanges[element]`.
    let elementRanges: [Range<Int>]
    /// Element per device row.
    let elements: [Int32]
    /// Device rows of the sender and receiver of each device edge.
    let senders: [Int32]
    let receivers: [Int32]
    /// `unitShift · cell` of each device edge, Å, `[E, 3]` flat.
    let shifts: [Double]
    /// Receiver CSR (identity edge order) and sender CSR over device rows and edges.
    let receiverCSR: EdgeCSR
    let senderCSR: EdgeCSR

    /// - Throws: `EquivarianceError.shapeMismatch` when the graph has more nodes or edges than 32-bit indices hold.
    init(graph: AtomicGraph, elementCount: Int) throws {
        let n = graph.numNodes, e = graph.numEdges
        var ranges: [Range<Int>] = []
        var order: [Int] = []
        order.reserveCapacity(n)
        var buckets = [[Int]](repeating: [], count: elementCount)
        for (node, element) in graph.elements.enumerated() { buckets[Int(element)].append(node) }
        for bucket in buckets {
            ranges.append(order.count..<(order.count + bucket.count))
            order += bucket
        }
        var position = [Int](repeating: 0, count: n)
        for (row, node) in order.enumerated() { position[node] = row }
        let newReceivers = graph.receivers.map { position[Int($0)] }
        let newSenders = graph.senders.map { position[Int($0)] }
        let byReceiver = try EdgeCSR(rows: newReceivers, gather: newSenders, rowCount: n, gatherCount: n)
        let edgeOrder = byReceiver.edgeIDs.map(Int.init)
        let senders = edgeOrder.map { Int32(newSenders[$0]) }
        let receivers = edgeOrder.map { Int32(newReceivers[$0]) }
        var shifts = [Double](repeating: 0, count: 3 * e)
        for (row, edge) in edgeOrder.enumerated() {
            let s = graph.unitShifts[edge]
            let cell = graph.cells[Int(graph.edgeGraphs[edge])].rowMajor
            for k in 0..<3 { shifts[3 * row + k] = s.x * cell[k] + s.y * cell[3 + k] + s.z * cell[6 + k] }
        }
        nodeCount = n
        edgeCount = e
        nodeOrder = order
        self.edgeOrder = edgeOrder
        elementRanges = ranges
        elements = order.map { graph.elements[$0] }
        self.senders = senders
        self.receivers = receivers
        self.shifts = shifts
        receiverCSR = try EdgeCSR(
            rows: receivers.map(Int.init), gather: senders.map(Int.init), rowCount: n, gatherCount: n)
        senderCSR = try EdgeCSR(rows: senders.map(Int.init), gather: receivers.map(Int.init), rowCount: n, gatherCount: n)
    }

    /// One vector per node (graph order) in device row order, `[N, 3]` flat.
    func deviceRows(_ vectors: [SIMD3<Double>]) -> [Double] {
        [Double](unsafeUninitializedCapacity: 3 * nodeOrder.count) { rows, initialized in
            writeDeviceRows(vectors, into: rows)
            initialized = 3 * nodeOrder.count
        }
    }

    /// ``deviceRows(_:)`` into `rows` (at least `3N` long), e.g. pinned memory a copy goes out from.
    func writeDeviceRows(_ vectors: [SIMD3<Double>], into rows: UnsafeMutableBufferPointer<Double>) {
        // A plain loop: `flatMap` over three-element arrays took 5–8 ms for 24000 atoms, every pass.
        precondition(rows.count >= 3 * nodeOrder.count)
        for (row, node) in nodeOrder.enumerated() {
            let v = vectors[node]
            rows[3 * row] = v.x
            rows[3 * row + 1] = v.y
            rows[3 * row + 2] = v.z
        }
    }

    /// One-hot element rows `[rows, elementCount]` for the device rows, zero rows after the first `nodeCount`.
    func oneHot(elementCount: Int, rows: Int) -> [Double] {
        var hot = [Double](repeating: 0, count: rows * elementCount)
        for (row, element) in elements.enumerated() { hot[row * elementCount + Int(element)] = 1 }
        return hot
    }

    /// Rows of `width` values per device row back in the graph's node order, as Double.
    func toGraphOrder<T>(_ values: UnsafeBufferPointer<T>, width: Int, _ double: (T) -> Double) -> [Double] {
        precondition(values.count >= width * nodeOrder.count)
        return [Double](unsafeUninitializedCapacity: width * nodeOrder.count) { result, initialized in
            for (row, node) in nodeOrder.enumerated() {
                for k in 0..<width { result[node * width + k] = double(values[row * width + k]) }
            }
            initialized = width * nodeOrder.count
        }
    }
}
