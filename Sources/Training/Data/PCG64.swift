// SwiftMACE, MIT licence.
// PCG64: numpy's default bit generator (PCG XSL-RR 128/64), seeded through numpy's SeedSequence, so
// `PCG64(seed:)` gives the stream of `np.random.default_rng(seed)`. Also numpy's bounded integers for shuffling.

/// numpy's PCG64 bit generator, with the 32-bit buffer numpy keeps for `next_uint32`.
public struct PCG64: RandomNumberGenerator, Sendable, Equatable, Codable {
    /// 128-bit state and increment as (high, low) words.
    public var stateHigh: UInt64, stateLow: UInt64
    public var incrementHigh: UInt64, incrementLow: UInt64
    /// The upper half of the last 64-bit output, when not yet used by `nextUInt32`.
    public var bufferedUInt32: UInt32?

    private static let multiplierHigh: UInt64 = 0x2360_ED05_1FC6_5DA4
    private static let multiplierLow: UInt64 = 0x4385_DF64_9FCC_F645

    /// The generator of `np.random.default_rng(seed)` (numpy ≥ 1.17); `seed` ≥ 0.
    public init(seed: UInt64) {
        let words = SeedSequence(entropy: seed).generateState64(count: 4)
        stateHigh = 0
        stateLow = 0
        incrementHigh = (words[2] << 1) | (words[3] >> 63)
        incrementLow = (words[3] << 1) | 1
        bufferedUInt32 = nil
        advance()
        (stateHigh, stateLow) = Self.add((stateHigh, stateLow), (words[0], words[1]))
        advance()
    }

    private mutating func advance() {
        let product = Self.multiply((stateHigh, stateLow), (Self.multiplierHigh, Self.multiplierLow))
        (stateHigh, stateLow) = Self.add(product, (incrementHigh, incrementLow))
    }

    /// The next 64-bit output (numpy `random_raw`).
    public mutating func next() -> UInt64 {
        advance()
        let rotation = stateHigh >> 58
        let value = stateHigh ^ stateLow
        return (value >> rotation) | (value << ((64 - rotation) & 63))
    }

    /// numpy's `next_uint32`: the low half of a new 64-bit output, then its high half.
    public mutating func nextUInt32() -> UInt32 {
        if let buffered = bufferedUInt32 {
            bufferedUInt32 = nil
            return buffered
        }
        let value = next()
        bufferedUInt32 = UInt32(truncatingIfNeeded: value >> 32)
        return UInt32(truncatingIfNeeded: value)
    }

    /// numpy's `random_interval(max)`: uniform in 0...max by masked rejection sampling.
    public mutating func interval(_ max: UInt64) -> UInt64 {
        if max == 0 { return 0 }
        var mask = max
        for shift in [1, 2, 4, 8, 16, 32] { mask |= mask >> UInt64(shift) }
        while true {
            let value = max <= 0xFFFF_FFFF ? UInt64(nextUInt32()) & mask : next() & mask
            if value <= max { return value }
        }
    }

    /// numpy `Generator.shuffle` of a sequence: Fisher–Yates from the end with `random_interval`.
    public mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, through: 1, by: -1) {
            let j = Int(interval(UInt64(i)))
            items.swapAt(i, j)
        }
    }

    private static func multiply(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> (UInt64, UInt64) {
        let low = a.1.multipliedFullWidth(by: b.1)
        let high = low.high &+ a.1 &* b.0 &+ a.0 &* b.1
        return (high, low.low)
    }

    private static func add(_ a: (UInt64, UInt64), _ b: (UInt64, UInt64)) -> (UInt64, UInt64) {
        let (low, carry) = a.1.addingReportingOverflow(b.1)
        return (a.0 &+ b.0 &+ (carry ? 1 : 0), low)
    }
}
