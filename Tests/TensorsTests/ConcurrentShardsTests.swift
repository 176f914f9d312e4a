// SwiftMACE, MIT licence.
// concurrentShards: results in shard order, the caller's gradient mode inside every shard, and the first error.

import Tensors
import Testing

@Suite struct ConcurrentShardsTests {
    private struct ShardFailure: Error, Equatable { let shard: Int }

    @Test func resultsComeInShardOrderWithTheCallersGradientMode() throws {
        let x = try Tensor([1, 2, 3], shape: [3]).requiringGrad()
        let gradients = try concurrentShards(4) { shard in
            try grad(of: (x * Double(shard + 1)).sum(), withRespectTo: [x])[0].toArray()
        }
        #expect(gradients == (1...4).map { k in [Double](repeating: Double(k), count: 3) })
        let recorded = try withoutGradient { try concurrentShards(3) { _ in GradMode.isEnabled } }
        #expect(recorded == [false, false, false])
        #expect(try concurrentShards(3) { _ in GradMode.isEnabled } == [true, true, true])
    }

    @Test func theLowestFailingShardsErrorIsThrown() {
        #expect(throws: ShardFailure(shard: 1)) {
            _ = try concurrentShards(4) { shard -> Int in
                if shard % 2 == 1 { throw ShardFailure(shard: shard) }
                return shard
            }
        }
    }
}
