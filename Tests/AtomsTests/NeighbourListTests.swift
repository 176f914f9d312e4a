// SwiftMACE, MIT licence.
// Tests of NeighbourList: the cell-list search against a brute force over all pairs and images, mace-torch
// (matscipy) fixtures, edge properties, input errors and neighbour counts.

import Support
import Foundation
import TestSupport
import Testing

@testable import Atoms

/// One edge as (sender, receiver, S), for comparisons.
private struct Edge: Equatable, Comparable, CustomStringConvertible {
    var sender: Int32
    var receiver: Int32
    var shift: SIMD3<Int32>

    static func < (a: Edge, b: Edge) -> Bool {
        (a.sender, a.receiver, a.shift.x, a.shift.y, a.shift.z) < (
            b.sender, b.receiver, b.shift.x, b.shift.y, b.shift.z
        )
    }

    var description: String { "(\(sender), \(receiver), [\(shift.x), \(shift.y), \(shift.z)])" }
}

private func edges(of list: NeighbourList) -> [Edge] {
    (0..<list.numEdges).map { Edge(sender: list.senders[$0], receiver: list.receivers[$0], shift: list.unitShifts[$0]) }
}

/// The reference: every pair (i, j) and every image S in a box around the nearest one, tested with the same
/// arithmetic as `NeighbourList` documents. O(N² · images); `searchCell` must be a non-singular cell whose
/// periodic rows are those of `cell` (it only bounds the images to try).
private func bruteForceEdges(
    positions: [SIMD3<Double>], cell: Matrix3, pbc: PBC, cutoff: Double, searchCell: Matrix3
) -> [Edge] {
    let inverse = searchCell.inverse!
    let volume = abs(searchCell.determinant)
    var result: [Edge] = []
    for i in positions.indices {
        for j in positions.indices {
            let fractional = (positions[j] - positions[i]) * inverse
            var ranges: [ClosedRange<Int>] = []
            for axis in 0..<3 {
                guard pbc[axis] else {
                    ranges.append(0...0)
                    continue
                }
                // |fractional + S| · planeSpacing ≤ |vector| < cutoff bounds S around −fractional.
                let planeSpacing = volume / norm(cross(searchCell[(axis + 1) % 3], searchCell[(axis + 2) % 3]))
                let reach = Int((cutoff / planeSpacing).rounded(.up)) + 1
                let centre = -Int(fractional[axis].rounded())
                ranges.append((centre - reach)...(centre + reach))
            }
            for sx in ranges[0] {
                for sy in ranges[1] {
                    for sz in ranges[2] {
                        let shift = SIMD3<Int32>(Int32(sx), Int32(sy), Int32(sz))
                        if i == j && shift == .zero { continue }
                        let vector = (positions[j] - positions[i]) + SIMD3<Double>(shift) * cell
                        if dot(vector, vector) < cutoff * cutoff {
                            result.append(Edge(sender: Int32(i), receiver: Int32(j), shift: shift))
                        }
                    }
                }
            }
        }
    }
    return result.sorted()
}

/// Builds the list, compares it with the brute force (same edges in the same order, shifts = S·cell exactly),
/// and checks that every edge is shorter than the cutoff and has its reverse.
private func expectMatchesBruteForce(
    positions: [SIMD3<Double>], cell: Matrix3, pbc: PBC, cutoff: Double, searchCell: Matrix3? = nil,
    context: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let list = try NeighbourList(positions: positions, cell: cell, pbc: pbc, cutoff: cutoff)
    let found = edges(of: list)
    let expected = bruteForceEdges(
        positions: positions, cell: cell, pbc: pbc, cutoff: cutoff, searchCell: searchCell ?? cell)
    if found != expected {
        let firstDifference =
            zip(found, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? min(found.count, expected.count)
        let missing = Set(expected.map(\.description)).subtracting(found.map(\.description)).sorted().prefix(5)
        let extra = Set(found.map(\.description)).subtracting(expected.map(\.description)).sorted().prefix(5)
        let summary =
            "\(context): \(found.count) edges, brute force \(expected.count); first difference at \(firstDifference); "
            + "missing \(Array(missing)); extra \(Array(extra))"
        Issue.record(Comment(rawValue: summary), sourceLocation: sourceLocation)
        return
    }
    #expect(list.numAtoms == positions.count, sourceLocation: sourceLocation)
    #expect(
        list.shifts == list.unitShifts.map { SIMD3<Double>($0) * cell }, "\(context)", sourceLocation: sourceLocation)
    let edgeSet = Set(found.map(\.description))
    for (k, edge) in found.enumerated() {
        let vector = positions[Int(edge.receiver)] - positions[Int(edge.sender)] + list.shifts[k]
        let reverse = Edge(sender: edge.receiver, receiver: edge.sender, shift: 0 &- edge.shift)
        guard dot(vector, vector) < cutoff * cutoff, edgeSet.contains(reverse.description) else {
            Issue.record(
                Comment(
                    rawValue:
                        "\(context): edge \(edge) has length \(norm(vector)) (cutoff \(cutoff)) or lacks its reverse"),
                sourceLocation: sourceLocation)
            return
        }
    }
}

private func randomPositions(
    count: Int, in cell: Matrix3, fractionalRange: ClosedRange<Double> = 0...1, using generator: inout SeededGenerator
) -> [SIMD3<Double>] {
    (0..<count).map { _ in
        SIMD3(
            Double.random(in: fractionalRange, using: &generator),
            Double.random(in: fractionalRange, using: &generator),
            Double.random(in: fractionalRange, using: &generator)) * cell
    }
}

private let allPBC: [PBC] = (0..<8).map { PBC($0 & 1 != 0, $0 & 2 != 0, $0 & 4 != 0) }

/// A strongly sheared triclinic cell (angles far from 90°).
private let skewedCell = Matrix3(rows: SIMD3(5.0, 0, 0), SIMD3(4.1, 2.2, 0), SIMD3(-3.3, 1.7, 2.6))

@Suite struct NeighbourListTests {
    @Test func randomMoleculesWithoutCellMatchBruteForce() throws {
        for seed: UInt64 in 1...4 {
            var generator = SeededGenerator(seed: seed)
            let positions = randomPositions(count: 40, in: .diagonal(9, 7, 8), using: &generator)
            for cutoff in [1.5, 3.0, 30.0] {
                try expectMatchesBruteForce(
                    positions: positions, cell: .zero, pbc: .none, cutoff: cutoff, searchCell: .identity,
                    context: "molecule seed \(seed) cutoff \(cutoff)")
            }
        }
    }

    @Test(arguments: allPBC)
    func randomCubicCellsMatchBruteForce(pbc: PBC) throws {
        for seed: UInt64 in 10...12 {
            var generator = SeededGenerator(seed: seed)
            let cell = Matrix3.diagonal(6, 6, 6)
            let positions = randomPositions(count: 14, in: cell, using: &generator)
            for cutoff in [2.0, 4.5, 9.0] {
                try expectMatchesBruteForce(
                    positions: positions, cell: cell, pbc: pbc, cutoff: cutoff,
                    context: "cubic seed \(seed) pbc \(pbc) cutoff \(cutoff)")
            }
        }
    }

    @Test(arguments: allPBC)
    func randomSkewedCellsMatchBruteForce(pbc: PBC) throws {
        for seed: UInt64 in 20...22 {
            var generator = SeededGenerator(seed: seed)
            let positions = randomPositions(count: 12, in: skewedCell, using: &generator)
            for cutoff in [1.8, 3.5, 7.0] {
                try expectMatchesBruteForce(
                    positions: positions, cell: skewedCell, pbc: pbc, cutoff: cutoff,
                    context: "skewed seed \(seed) pbc \(pbc) cutoff \(cutoff)")
            }
        }
    }

    @Test(arguments: allPBC)
    func unwrappedPositionsFarOutsideTheCellMatchBruteForce(pbc: PBC) throws {
        for seed: UInt64 in 30...31 {
            var generator = SeededGenerator(seed: seed)
            let positions = randomPositions(count: 12, in: skewedCell, fractionalRange: -40...35, using: &generator)
            try expectMatchesBruteForce(
                positions: positions, cell: skewedCell, pbc: pbc, cutoff: 4.0,
                context: "unwrapped seed \(seed) pbc \(pbc)")
        }
    }

    @Test func unwrappingAnAtomChangesOnlyItsShifts() throws {
        var generator = SeededGenerator(seed: 40)
        let positions = randomPositions(count: 10, in: skewedCell, using: &generator)
        var moved = positions
        let cells = SIMD3<Int32>(7, -3, 12)
        moved[4] += SIMD3<Double>(cells) * skewedCell
        let original = try NeighbourList(positions: positions, cell: skewedCell, pbc: .all, cutoff: 3.5)
        let unwrapped = try NeighbourList(positions: moved, cell: skewedCell, pbc: .all, cutoff: 3.5)
        // S absorbs the move: edges into atom 4 gain −cells, edges out of it +cells (order by S may change).
        let expected = edges(of: original).map { edge -> Edge in
            var edge = edge
            if edge.receiver == 4 { edge.shift &-= cells }
            if edge.sender == 4 { edge.shift &+= cells }
            return edge
        }.sorted()
        #expect(edges(of: unwrapped) == expected)
    }

    @Test func singleAtomFCCPrimitiveCellSeesItsOwnImages() throws {
        let a = 3.6
        let cell = Matrix3(rows: SIMD3(0, a / 2, a / 2), SIMD3(a / 2, 0, a / 2), SIMD3(a / 2, a / 2, 0))
        let positions = [SIMD3<Double>(0.1, 0.2, 0.3)]
        try expectMatchesBruteForce(
            positions: positions, cell: cell, pbc: .all, cutoff: 3 * a, context: "fcc primitive, cutoff 3a")
        // The first shell of fcc has 12 neighbours at a/√2.
        let shell = try NeighbourList(positions: positions, cell: cell, pbc: .all, cutoff: a / 2.0.squareRoot() + 0.01)
        #expect(shell.numEdges == 12)
        #expect(shell.senders.allSatisfy { $0 == 0 } && shell.receivers.allSatisfy { $0 == 0 })
    }

    @Test func atomsOnCellFacesAndExactCutoffDistances() throws {
        // A simple cubic lattice of spacing 3 in a 6 Å cell, atoms exactly on faces, edges and corners.
        let cell = Matrix3.diagonal(6, 6, 6)
        var positions: [SIMD3<Double>] = []
        for x in [0.0, 3.0] { for y in [0.0, 3.0] { for z in [0.0, 3.0] { positions.append(SIMD3(x, y, z)) } } }
        positions.append(SIMD3(6, 6, 6))  // the image of atom 0 across the far corner
        positions.append(SIMD3(6, 1.5, 0))  // on the x = 6 face
        for pbc in allPBC {
            for cutoff in [3.0, 3.0000001, 4.5] {
                try expectMatchesBruteForce(
                    positions: positions, cell: cell, pbc: pbc, cutoff: cutoff,
                    context: "faces pbc \(pbc) cutoff \(cutoff)")
            }
        }
        // Strict cutoff: neighbours at exactly 3 Å are not edges; just above, each lattice atom has 6.
        let lattice = Array(positions.prefix(8))
        #expect(try NeighbourList(positions: lattice, cell: cell, pbc: .all, cutoff: 3.0).numEdges == 0)
        #expect(try NeighbourList(positions: lattice, cell: cell, pbc: .all, cutoff: 3.0000001).numEdges == 48)
    }

    @Test func nonPeriodicCellRowsAreIgnored() throws {
        var generator = SeededGenerator(seed: 50)
        let positions = randomPositions(count: 15, in: skewedCell, using: &generator)
        var slabCell = skewedCell
        slabCell[2] = .zero
        try expectMatchesBruteForce(
            positions: positions, cell: slabCell, pbc: PBC(true, true, false), cutoff: 4.0, searchCell: skewedCell,
            context: "slab with zero third row")
        var wireCell = Matrix3.zero
        wireCell[1] = skewedCell[1]
        try expectMatchesBruteForce(
            positions: positions, cell: wireCell, pbc: PBC(false, true, false), cutoff: 4.0, searchCell: skewedCell,
            context: "wire with only the second row")
        let withRows = try NeighbourList(
            positions: positions, cell: skewedCell, pbc: PBC(true, true, false), cutoff: 4.0)
        let withoutRow = try NeighbourList(
            positions: positions, cell: slabCell, pbc: PBC(true, true, false), cutoff: 4.0)
        #expect(withRows == withoutRow)
    }

    @Test(arguments: ["skewed_periodic", "slab_mixed_pbc", "molecule"])
    func matchesMaceTorchFixture(name: String) throws {
        struct Fixture: Decodable {
            var cutoff: Double
            var pbc: [Bool]
            var cell: [[Double]]
            var positions: [[Double]]
            var edges: [[Int32]]
        }
        let fixture = try JSONDecoder().decode(Fixture.self, from: Fixtures.data("atoms/neighbours/\(name).json"))
        let cell = Matrix3(rowMajor: fixture.cell.flatMap { $0 })
        let positions = fixture.positions.map { SIMD3($0[0], $0[1], $0[2]) }
        let list = try NeighbourList(
            positions: positions, cell: cell, pbc: PBC(fixture.pbc[0], fixture.pbc[1], fixture.pbc[2]),
            cutoff: fixture.cutoff)
        let expected = fixture.edges.map { Edge(sender: $0[0], receiver: $0[1], shift: SIMD3($0[2], $0[3], $0[4])) }
        #expect(!expected.isEmpty)
        #expect(edges(of: list) == expected, "\(name)")
    }

    @Test func configurationBuilderUsesCellAndPBC() throws {
        var generator = SeededGenerator(seed: 60)
        let positions = randomPositions(count: 9, in: skewedCell, using: &generator)
        let configuration = Configuration(
            atomicNumbers: Array(repeating: 8, count: 9), positions: positions, cell: skewedCell,
            pbc: PBC(true, false, true))
        #expect(
            try NeighbourList(configuration: configuration, cutoff: 3)
                == NeighbourList(positions: positions, cell: skewedCell, pbc: PBC(true, false, true), cutoff: 3))
    }

    @Test func emptyAndIsolatedStructuresHaveNoEdges() throws {
        #expect(try NeighbourList(positions: [], cutoff: 5).numEdges == 0)
        #expect(try NeighbourList(positions: [], cell: .diagonal(3, 3, 3), pbc: .all, cutoff: 5).numEdges == 0)
        #expect(try NeighbourList(positions: [SIMD3(0, 0, 0)], cutoff: 5).numEdges == 0)
        // Far apart atoms: the bin grid stays small instead of covering the 10⁹ Å extent in 2.5 Å bins.
        let far = try NeighbourList(positions: [SIMD3(0, 0, 0), SIMD3(1e9, 1e9, 1e9), SIMD3(1, 0, 0)], cutoff: 5)
        #expect(
            edges(of: far) == [Edge(sender: 0, receiver: 2, shift: .zero), Edge(sender: 2, receiver: 0, shift: .zero)])
    }

    @Test func invalidInputThrowsWithMessages() {
        let cubic = Matrix3.diagonal(4, 4, 4)
        func message(_ build: () throws -> NeighbourList) -> String {
            do {
                _ = try build()
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(
            message { try NeighbourList(positions: [.zero], cutoff: 0) }
                == "neighbour-list cutoff 0.0 Å is not a finite positive distance")
        #expect(
            message { try NeighbourList(positions: [.zero], cutoff: .nan) }
                == "neighbour-list cutoff nan Å is not a finite positive distance")
        #expect(
            message { try NeighbourList(positions: [.zero, SIMD3(1, .nan, 0)], cutoff: 2) }
                == "atom 1 has a non-finite position (1.0, nan, 0.0)")
        #expect(
            message { try NeighbourList(positions: [.zero], cell: .zero, pbc: PBC(false, true, false), cutoff: 2) }
                == "cell vector 1 is zero but direction 1 is periodic (pbc F T F)")
        let flat = Matrix3(rows: SIMD3(1, 0, 0), SIMD3(2, 0, 0), SIMD3(0, 0, 1))
        #expect(
            message { try NeighbourList(positions: [.zero], cell: flat, pbc: .all, cutoff: 2) }
                == "periodic cell vectors [(1.0, 0.0, 0.0), (2.0, 0.0, 0.0), (0.0, 0.0, 1.0)] are linearly dependent "
                + "(degenerate cell)")
        #expect(
            message { try NeighbourList(positions: [.zero], cell: .diagonal(0.001, 4, 4), pbc: .all, cutoff: 2) }
                == "cutoff 2.0 Å reaches 2000.0 periodic images along cell vector 0 (lattice plane spacing 0.001 Å); "
                + "at most 1000 are supported")
        #expect(
            message { try NeighbourList(positions: [.zero], cell: .diagonal(0.04, 0.04, 0.04), pbc: .all, cutoff: 5) }
                == "cutoff 5.0 Å reaches 15813251 periodic cell images; at most 10000000 are supported")
        #expect(
            message { try NeighbourList(positions: [SIMD3(1e30, 0, 0)], cell: cubic, pbc: .all, cutoff: 2) }
                == "atom 0 at (1e+30, 0.0, 0.0) lies 2.5e+29 cell lengths along cell vector 0; "
                + "at most 16777216 are supported")
    }

    @Test func neighbourCountsMatchMaceAverage() throws {
        // Atoms 0 and 1 are neighbours, atom 2 is isolated: 2 edges, 2 receiving atoms.
        let pair = try NeighbourList(positions: [.zero, SIMD3(1, 0, 0), SIMD3(10, 0, 0)], cutoff: 2)
        var counts = NeighbourCounts(pair)
        #expect(counts.numEdges == 2 && counts.numAtoms == 3 && counts.numReceivingAtoms == 2)
        #expect(counts.meanNeighboursOfReceivingAtoms == 1)
        #expect(counts.meanNeighboursPerAtom == 2.0 / 3)
        // A triangle adds 6 edges over 3 atoms: mace's average is (2 + 6) / (2 + 3).
        counts.add(try NeighbourList(positions: [.zero, SIMD3(1, 0, 0), SIMD3(0, 1, 0)], cutoff: 2))
        #expect(counts.meanNeighboursOfReceivingAtoms == 8.0 / 5)
        #expect(counts.meanNeighboursPerAtom == 8.0 / 6)
        #expect(NeighbourCounts().meanNeighboursOfReceivingAtoms == nil)
    }
}
