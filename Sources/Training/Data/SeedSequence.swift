// SwiftMACE, MIT licence.
// numpy's SeedSequence (numpy/random/bit_generator.pyx) for an integer seed without spawn key: the hash mixing
// that turns a seed into the initial words of a bit generator.

struct SeedSequence {
    private static let initA: UInt32 = 0x43B0_D7E5
    private static let multA: UInt32 = 0x931E_8875
    private static let initB: UInt32 = 0x8B51_F9DD
    private static let multB: UInt32 = 0x58F3_8DED
    private static let mixMultL: UInt32 = 0xCA01_F9DD
    private static let mixMultR: UInt32 = 0x4973_F715
    private static let poolSize = 4

    private(set) var pool: [UInt32]

    init(entropy: UInt64) {
        // numpy splits a non-negative integer into 32-bit words, least significant first.
        var words: [UInt32] = [UInt32(truncatingIfNeeded: entropy)]
        if entropy >> 32 != 0 { words.append(UInt32(truncatingIfNeeded: entropy >> 32)) }
        var hashConstant = Self.initA
        func hashmix(_ value: UInt32) -> UInt32 {
            var value = value ^ hashConstant
            hashConstant = hashConstant &* Self.multA
            value = value &* hashConstant
            return value ^ (value >> 16)
        }
        func mix(_ x: UInt32, _ y: UInt32) -> UInt32 {
            let result = Self.mixMultL &* x &- Self.mixMultR &* y
            return result ^ (result >> 16)
        }
        var mixer = (0..<Self.poolSize).map { _ in UInt32(0) }
        for i in 0..<Self.poolSize { mixer[i] = hashmix(i < words.count ? words[i] : 0) }
        for source in 0..<Self.poolSize {
            for destination in 0..<Self.poolSize where source != destination {
                mixer[destination] = mix(mixer[destination], hashmix(mixer[source]))
            }
        }
        for source in Self.poolSize..<max(Self.poolSize, words.count) {
            for destination in 0..<Self.poolSize {
                mixer[destination] = mix(mixer[destination], hashmix(words[source]))
            }
        }
        pool = mixer
    }

    /// `generate_state(count, np.uint64)`: 32-bit words paired little-endian into 64-bit words.
    func generateState64(count: Int) -> [UInt64] {
        var hashConstant = Self.initB
        var words: [UInt32] = []
        for index in 0..<(2 * count) {
            var value = pool[index % Self.poolSize] ^ hashConstant
            hashConstant = hashConstant &* Self.multB
            value = value &* hashConstant
            words.append(value ^ (value >> 16))
        }
        return (0..<count).map { UInt64(words[2 * $0]) | (UInt64(words[2 * $0 + 1]) << 32) }
    }
}
