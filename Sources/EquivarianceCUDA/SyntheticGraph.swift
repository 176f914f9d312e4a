// SwiftMACE, MIT licence.
// SyntheticGraph: seeded random edge lists shaped like MACE neighbour graphs (fixed mean degree, senders near the
// receiver in atom order as after a spatial sort), in a shuffled order, for the kernel checks and benchmarks.

import Support
import CUDA
import Equivariance

/// A directed edge list `sender → receiver` over `atomCount` atoms, in random order.
public struct SyntheticGraph: Sendable {
    public let atomCount: Int
    public let senders: [Int]
    public let receivers: [Int]

    /// - Parameters:
    ///   - atomCount: atoms.
    ///   - degree: mean edges per receiving atom (each receiver gets `degree ± degree/8`).
    ///   - window: senders are drawn from atoms within ±window of the receiver's index (cyclic), mimicking
    ///     spatially ordered atoms.
    ///   - lonelyEvery: when > 0, every `lonelyEvery`-th atom receives no edge and every `lonelyEvery`-th atom
    ///     (offset by one) sends none.
    ///   - seed: the random stream.
    public init(atomCount: Int, degree: Int, window: Int, lonelyEvery: Int = 0, seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var senders: [Int] = []
        var receivers: [Int] = []
        let spread = max(degree / 8, 0)
        for receiver in 0..<atomCount {
            if lonelyEvery > 0 && receiver % lonelyEvery == 0 { continue }
            let count = max(0, degree + Int.random(in: -spread...spread, using: &generator))
            for _ in 0..<count {
                var sender = receiver
                for _ in 0..<8 where sender == receiver || (lonelyEvery > 0 && sender % lonelyEvery == 1) {
                    let offset = Int.random(in: -window...window, using: &generator)
                    sender = ((receiver + offset) % atomCount + atomCount) % atomCount
                }
                guard sender != receiver, !(lonelyEvery > 0 && sender % lonelyEvery == 1) else { continue }
                senders.append(sender)
                receivers.append(receiver)
            }
        }
        var order = Array(senders.indices)
        order.shuffle(using: &generator)
        self.atomCount = atomCount
        self.senders = order.map { senders[$0] }
        self.receivers = order.map { receivers[$0] }
    }

    public var edgeCount: Int { senders.count }

    /// The graph on the device as the conv kernels walk it: edges grouped by receiver (forward, d/dR, d/dSH) and by
    /// sender (d/dx).
    public func deviceCSRs(context: CUDAContext, stream: CUDAStream) throws
        -> (receivers: DeviceEdgeCSR, senders: DeviceEdgeCSR)
    {
        let receiverCSR = try DeviceEdgeCSR(
            context: context,
            csr: EdgeCSR(rows: receivers, gather: senders, rowCount: atomCount, gatherCount: atomCount),
            stream: stream)
        let senderCSR = try DeviceEdgeCSR(
            context: context,
            csr: EdgeCSR(rows: senders, gather: receivers, rowCount: atomCount, gatherCount: atomCount),
            stream: stream)
        return (receiverCSR, senderCSR)
    }
}
