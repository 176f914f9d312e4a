// SwiftMACE, MIT licence.
// GraphLayout (host side of the CUDA model): element-sorted nodes, receiver-sorted edges, CSRs and Cartesian
// shifts that reproduce the batch graph exactly.

import Atoms
import Foundation
import MACE
import Testing
import TestSupport

@testable import MACECUDA

@Suite struct GraphLayoutTests {
    /// Two molecules (H C O) and the periodic TiAl cells, batched.
    private static func graphs() throws -> [(AtomicGraph, Int)] {
        let molecules = try ExtXYZReader.read(contentsOf: Fixtures.url("mace/batch_hco.xyz"))
        let cells = try ExtXYZReader.read(contentsOf: Fixtures.url("mace/batch_tial.xyz"))
        return [
            (try AtomicGraph(configurations: molecules, atomicNumbers: [1, 6, 8], cutoff: 4), 3),
            (try AtomicGraph(configurations: cells, atomicNumbers: [13, 22], cutoff: 5), 2),
        ]
    }

    @Test func reordersNodesByElementAndEdgesByReceiverKeepingEveryEdge() throws {
        for (graph, elementCount) in try Self.graphs() {
            let layout = try GraphLayout(graph: graph, elementCount: elementCount)
            #expect(layout.nodeOrder.sorted() == Array(0..<graph.numNodes))
            #expect(layout.elements == layout.nodeOrder.map { graph.elements[$0] })
            #expect(layout.elements == layout.elements.sorted(), "rows grouped by element")
            for (element, range) in layout.elementRanges.enumerated() {
                #expect(layout.elements[range].allSatisfy { Int($0) == element })
                #expect(layout.nodeOrder[range] == layout.nodeOrder[range].sorted()[...], "stable within an element")
            }
            #expect(layout.edgeOrder.sorted() == Array(0..<graph.numEdges))
            #expect(layout.receivers == layout.receivers.sorted())
            #expect(layout.receiverCSR.edgeIDs == (0..<Int32(graph.numEdges)).map { $0 }, "identity receiver CSR")
            for (row, edge) in layout.edgeOrder.enumerated() {
                #expect(layout.nodeOrder[Int(layout.receivers[row])] == Int(graph.receivers[edge]))
                #expect(layout.nodeOrder[Int(layout.senders[row])] == Int(graph.senders[edge]))
                let cell = graph.cells[Int(graph.edgeGraphs[edge])]
                let shift = graph.unitShifts[edge] * cell
                #expect(abs(layout.shifts[3 * row] - shift.x) + abs(layout.shifts[3 * row + 1] - shift.y)
                    + abs(layout.shifts[3 * row + 2] - shift.z) <= 1e-12)
            }
            for row in 0..<graph.numNodes {
                let edges = Int(layout.senderCSR.rowOffsets[row])..<Int(layout.senderCSR.rowOffsets[row + 1])
                #expect(edges.allSatisfy { Int(layout.senders[Int(layout.senderCSR.edgeIDs[$0])]) == row })
            }
        }
    }

    @Test func deviceRowsReturnToGraphOrder() throws {
        for (graph, elementCount) in try Self.graphs() {
            let layout = try GraphLayout(graph: graph, elementCount: elementCount)
            let device = layout.deviceRows(graph.positions)
            #expect(device != graph.positions.flatMap { [$0.x, $0.y, $0.z] } || layout.nodeOrder == Array(0..<graph.numNodes))
            let back = device.withUnsafeBufferPointer { layout.toGraphOrder($0, width: 3) { $0 } }
            #expect(back == graph.positions.flatMap { [$0.x, $0.y, $0.z] })
        }
    }

    @Test func sameGraphGivesAnEqualLayoutSoTheWorkspaceIsReused() throws {
        let (graph, elementCount) = try #require(try Self.graphs().first)
        #expect(try GraphLayout(graph: graph, elementCount: elementCount) == GraphLayout(graph: graph, elementCount: elementCount))
    }
}
