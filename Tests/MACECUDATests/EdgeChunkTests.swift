// SwiftMACE, MIT licence.
// EdgeChunk: consecutive row ranges of a CSR within an edge budget, each with a local CSR over the same edges and
// the same edges grouped by their gathered row.

import Atoms
import Equivariance
import Foundation
import MACE
import Testing
import TestSupport

@testable import MACECUDA

@Suite struct EdgeChunkTests {
    @Test func chunksCoverEveryRowAndEdgeOnceWithinTheBudget() throws {
        let molecules = try ExtXYZReader.read(contentsOf: Fixtures.url("mace/batch_hco.xyz"))
        let graph = try AtomicGraph(configurations: molecules, atomicNumbers: [1, 6, 8], cutoff: 4)
        let layout = try GraphLayout(graph: graph, elementCount: 3)
        for csr in [layout.receiverCSR, layout.senderCSR] {
            for budget in [1, 7, 40, 10_000] {
                let chunks = try EdgeChunk.chunks(of: csr, gatherCount: graph.numNodes, budget: budget)
                #expect(chunks.first?.rows.lowerBound == 0 && chunks.last?.rows.upperBound == graph.numNodes)
                #expect(chunks.first?.positions.lowerBound == 0 && chunks.last?.positions.upperBound == graph.numEdges)
                for (a, b) in zip(chunks, chunks.dropFirst()) {
                    #expect(a.rows.upperBound == b.rows.lowerBound && a.positions.upperBound == b.positions.lowerBound)
                }
                for chunk in chunks {
                    #expect(chunk.positions.count <= budget || chunk.rows.count == 1, "over budget only for one row")
                    #expect(chunk.csr.rowCount == chunk.rows.count)
                    #expect(chunk.csr.edgeIDs == (0..<Int32(chunk.positions.count)).map { $0 }, "local identity")
                    #expect(chunk.csr.gatherRows[...] == csr.gatherRows[chunk.positions])
                    for (local, row) in chunk.rows.enumerated() {
                        #expect(Int(chunk.csr.rowOffsets[local + 1] - chunk.csr.rowOffsets[local])
                            == Int(csr.rowOffsets[row + 1] - csr.rowOffsets[row]))
                    }
                }
                if budget == 10_000 { #expect(chunks.count == 1) }
            }
        }
    }

    @Test func eachChunkGroupsItsEdgesByGatheredRowOnce() throws {
        let molecules = try ExtXYZReader.read(contentsOf: Fixtures.url("mace/batch_hco.xyz"))
        let graph = try AtomicGraph(configurations: molecules, atomicNumbers: [1, 6, 8], cutoff: 4)
        let layout = try GraphLayout(graph: graph, elementCount: 3)
        var scratch = [Int32](repeating: -1, count: graph.numNodes)
        for budget in [1, 7, 40, 10_000] {
            for chunk in try EdgeChunk.chunks(of: layout.receiverCSR, gatherCount: graph.numNodes, budget: budget) {
                let (grouped, targets) = try chunk.byGatheredRow(scratch: &scratch)
                #expect(targets == Array(Set(chunk.csr.gatherRows)).sorted(), "distinct gathered rows, ascending")
                #expect(grouped.rowCount == targets.count && grouped.edgeCount == chunk.positions.count)
                #expect(Set(grouped.edgeIDs) == Set(0..<Int32(chunk.positions.count)), "every local edge once")
                for r in 0..<grouped.rowCount {
                    let ids = grouped.edgeIDs[Int(grouped.rowOffsets[r])..<Int(grouped.rowOffsets[r + 1])]
                    #expect(!ids.isEmpty && ids.allSatisfy { chunk.csr.gatherRows[Int($0)] == targets[r] })
                    #expect(ids.elementsEqual(ids.sorted()), "position order within a row")
                    for (id, owner) in zip(ids, grouped.gatherRows[Int(grouped.rowOffsets[r])...]) {
                        let local = chunk.csr.rowOffsets.lastIndex { $0 <= id } ?? 0
                        #expect(Int(owner) == chunk.rows.lowerBound + local, "gathered: the edge's own row")
                    }
                }
                #expect(scratch.allSatisfy { $0 == -1 }, "scratch left as found")
            }
        }
    }
}
