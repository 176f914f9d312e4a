// SwiftMACE, MIT licence.
// EdgeCSR: the edges of a graph grouped by one endpoint (compressed sparse rows), the order the generated graph
// kernels walk: each row's edges are contiguous, so a row's sum is accumulated in registers and written once.

/// Edges grouped by a row endpoint: the receiver CSR (rows = receivers, gathered = senders) for the forward and
/// the per-edge gradients, the sender CSR (rows = senders, gathered = receivers) for the sender gradient.
///
/// Built by a stable counting sort: within a row, edges keep their input order, so a kernel that walks the CSR
/// sums in a fixed order and is deterministic. Per-edge buffers stay in the caller's edge order; kernels reach
/// them through ``edgeIDs``.
public struct EdgeCSR: Sendable, Hashable {
    /// The number of rows (atoms); rows without edges are allowed.
    public let rowCount: Int
    /// `rowCount + 1` entries: the edges of row `r` are positions `rowOffsets[r] ..< rowOffsets[r + 1]`.
    public let rowOffsets: [Int32]
    /// The caller's edge index at each position.
    public let edgeIDs: [Int32]
    /// The other endpoint of the edge at each position (the row a kernel gathers from).
    public let gatherRows: [Int32]

    /// Groups edges by `rows[e]`.
    /// - Parameters:
    ///   - rows: the row endpoint of each edge (e.g. receivers), each in `0..<rowCount`.
    ///   - gather: the other endpoint of each edge (e.g. senders), each in `0..<gatherCount`.
    /// - Throws: `EquivarianceError.shapeMismatch` for lists of different lengths, an endpoint out of range, or
    ///   more edges or rows than 32-bit kernel indices hold.
    public init(rows: [Int], gather: [Int], rowCount: Int, gatherCount: Int) throws {
        guard rows.count == gather.count else {
            throw EquivarianceError.shapeMismatch(
                "edge lists have \(rows.count) row endpoints and \(gather.count) gathered endpoints; expected equal")
        }
        let limit = Int(Int32.max)
        guard rows.count < limit, rowCount >= 0, rowCount < limit, gatherCount >= 0, gatherCount < limit else {
            throw EquivarianceError.shapeMismatch(
                "\(rows.count) edges over \(rowCount) x \(gatherCount) rows; expected fewer than \(limit) each")
        }
        for (e, (row, other)) in zip(rows, gather).enumerated() {
            guard (0..<rowCount).contains(row), (0..<gatherCount).contains(other) else {
                throw EquivarianceError.shapeMismatch(
                    "edge \(e) joins row \(row) and gathered row \(other); expected rows in 0..<\(rowCount) and "
                        + "gathered rows in 0..<\(gatherCount)")
            }
        }
        var offsets = [Int32](repeating: 0, count: rowCount + 1)
        for row in rows { offsets[row + 1] += 1 }
        for r in 0..<rowCount { offsets[r + 1] += offsets[r] }
        var next = offsets
        var ids = [Int32](repeating: 0, count: rows.count)
        var others = [Int32](repeating: 0, count: rows.count)
        for (e, row) in rows.enumerated() {
            let position = Int(next[row])
            next[row] += 1
            ids[position] = Int32(e)
            others[position] = Int32(gather[e])
        }
        self.rowCount = rowCount
        rowOffsets = offsets
        edgeIDs = ids
        gatherRows = others
    }

    /// The number of edges.
    public var edgeCount: Int { edgeIDs.count }
}
