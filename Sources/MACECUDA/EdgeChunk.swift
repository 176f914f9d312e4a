// SwiftMACE, MIT licence.
// EdgeChunk: a range of CSR rows whose edges fit an edge budget, with the local CSR the generated conv kernels walk
// for it and the same edges grouped by sender (host side), so the radial-MLP output is only ever held for one chunk
// of edges.

import Equivariance

/// Rows `rows` of a CSR and their CSR positions `positions`, with a CSR over local rows `0..<rows.count` whose edge
/// IDs are local positions `0..<positions.count` (position `positions.lowerBound + i`) and whose gathered rows are
/// the global ones.
struct EdgeChunk: Sendable, Equatable {
    let rows: Range<Int>
    let positions: Range<Int>
    let csr: EdgeCSR

    /// Splits `csr`'s rows (gathered rows in `0..<gatherCount`) into consecutive chunks of at most `budget` edges each (a row with more edges than the
    /// budget gets a chunk of its own; rows without edges join their neighbours).
    /// - Throws: `EquivarianceError.shapeMismatch` only if the CSR is inconsistent (never for a built `EdgeCSR`).
    static func chunks(of csr: EdgeCSR, gatherCount: Int, budget: Int) throws -> [EdgeChunk] {
        let offsets = csr.rowOffsets.map(Int.init)
        var chunks: [EdgeChunk] = []
        var start = 0
        while start < csr.rowCount {
            var end = start + 1
            while end < csr.rowCount && offsets[end + 1] - offsets[start] <= max(budget, 1) { end += 1 }
            let positions = offsets[start]..<offsets[end]
            var localRows: [Int] = []
            localRows.reserveCapacity(positions.count)
            for row in start..<end {
                localRows += [Int](repeating: row - start, count: offsets[row + 1] - offsets[row])
            }
            let local = try EdgeCSR(
                rows: localRows, gather: positions.map { Int(csr.gatherRows[$0]) }, rowCount: end - start,
                gatherCount: gatherCount)
            chunks.append(EdgeChunk(rows: start..<end, positions: positions, csr: local))
            start = end
        }
        return chunks
    }

    /// The chunk's edges grouped by their gathered row (for a receiver chunk: by sender): a CSR whose rows are the
    /// distinct gathered rows in ascending order, edge IDs the local positions `0..<positions.count` (each row's in
    /// position order), gathered rows the chunk's own (global) rows; and `targets[r]`, the gathered row of CSR row
    /// `r`. `scratch` holds -1 for each of the `gatherCount` rows and is left so.
    /// - Throws: `EquivarianceError.shapeMismatch` only if the chunk is inconsistent.
    func byGatheredRow(scratch: inout [Int32]) throws -> (csr: EdgeCSR, targets: [Int32]) {
        let gathered = csr.gatherRows
        var targets: [Int32] = []
        for row in gathered where scratch[Int(row)] < 0 {
            scratch[Int(row)] = 0
            targets.append(row)
        }
        targets.sort()
        for (r, row) in targets.enumerated() { scratch[Int(row)] = Int32(r) }
        var owners: [Int] = []
        owners.reserveCapacity(positions.count)
        for local in 0..<csr.rowCount {
            let count = Int(csr.rowOffsets[local + 1] - csr.rowOffsets[local])
            owners += [Int](repeating: rows.lowerBound + local, count: count)
        }
        let grouped = try EdgeCSR(
            rows: gathered.map { Int(scratch[Int($0)]) }, gather: owners, rowCount: targets.count,
            gatherCount: rows.upperBound)
        for row in targets { scratch[Int(row)] = -1 }
        return (grouped, targets)
    }
}
