// SwiftMACE, MIT licence.
// Tests of gather and scatterSum: forward against loops, adjoint gradients, range errors, determinism.

import Testing
import TestSupport
import Tensors

@Suite struct IndexingOpsTests {
    @Test func gatherPicksRowsAlongAxis() throws {
        let x = try seededTensor([4, 3], seed: 40)
        let v = x.toArray()
        let rows = try gather(x, indices: Tensor(indices: [2, 0, 2, 3, 1]))
        expectClose(rows, [2, 0, 2, 3, 1].flatMap { Array(v[($0 * 3)..<($0 * 3 + 3)]) }, shape: [5, 3])
        let columns = try x.gathered(indices: Tensor(indices: [1, 1]), axis: 1)
        let expected: [Double] = (0..<4).flatMap { row -> [Double] in [v[row * 3 + 1], v[row * 3 + 1]] }
        expectClose(columns, expected, shape: [4, 2])
    }

    @Test func scatterSumAddsRowsIntoSlots() throws {
        let x = try seededTensor([5, 2], seed: 41)
        let v = x.toArray()
        let index: [Int32] = [1, 3, 1, 0, 1]
        var expected = [Double](repeating: 0, count: 8)
        for (j, slot) in index.enumerated() { for c in 0..<2 { expected[Int(slot) * 2 + c] += v[j * 2 + c] } }
        expectClose(try scatterSum(x, indices: Tensor(indices: index), count: 4), expected, shape: [4, 2])
        let y = try seededTensor([2, 3], seed: 42)
        let yv = y.toArray()
        expectClose(try scatterSum(y, indices: Tensor(indices: [1, 0, 1]), axis: 1, count: 2),
                    [yv[1], yv[0] + yv[2], yv[4], yv[3] + yv[5]], shape: [2, 2])
    }

    @Test func gradientsAreEachOthersAdjoint() throws {
        let x = try seededTensor([4, 3], seed: 43)
        let senders = Tensor(indices: [0, 1, 1, 2, 3, 3, 0])
        let receivers = Tensor(indices: [1, 0, 2, 1, 0, 2, 3])
        try checkGradient({ a in
            let messages = try gather(a[0], indices: senders) * gather(a[0], indices: receivers)
            return try scatterSum(sin(messages), indices: receivers, count: 4).squared().sum()
        }, at: [x])
    }

    @Test func largeScatterSumIsDeterministic() throws {
        let edges = 20_000, nodes = 50, channels = 64
        let x = try seededTensor([edges, channels], seed: 44)
        let index = Tensor(indices: (0..<edges).map { Int32(($0 * 7919) % nodes) })
        let first = try scatterSum(x, indices: index, count: nodes).toArray()
        let second = try scatterSum(x, indices: index, count: nodes).toArray()
        #expect(first == second)
        // Slot 0 summed in index order by hand.
        let v = x.toArray()
        var slot0 = 0.0
        for j in 0..<edges where (j * 7919) % nodes == 0 { slot0 += v[j * channels] }
        #expect(first[0] == slot0)
    }

    @Test func outOfRangeIndicesThrowNamingPositionAndRange() throws {
        let x = try seededTensor([3, 2], seed: 45)
        #expect(throws: TensorError.indexOutOfRange(operation: "gather", index: 3, position: 1, count: 3)) {
            try gather(x, indices: Tensor(indices: [0, 3]))
        }
        let error = #expect(throws: TensorError.self) { try scatterSum(x, indices: Tensor(indices: [0, -1, 1]), count: 2) }
        #expect(error?.description == "scatterSum: index -1 at position 1 is out of range; expected 0..<2")
        let lengthError = #expect(throws: TensorError.self) { try scatterSum(x, indices: Tensor(indices: [0, 1]), count: 2) }
        #expect(lengthError?.description == "scatterSum: indices has shape [2]; expected [3]")
        let dtypeError = #expect(throws: TensorError.self) { try gather(x, indices: x) }
        #expect(dtypeError?.description == "gather: indices have shape [3, 2] and dtype float64; expected 1-D int32")
    }
}
