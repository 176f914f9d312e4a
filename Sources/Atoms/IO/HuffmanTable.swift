// SwiftMACE, MIT licence.
// HuffmanTable: a canonical Huffman code (RFC 1951 §3.2.2) as a single lookup table indexed by the next
// `maxLength` input bits, for the inflater.

import Support

/// A decoding table for one canonical Huffman code.
struct HuffmanTable {
    /// Indexed by the next `maxLength` bits (LSB first): `symbol << 4 | codeLength`, or 0 where no code matches.
    private var entries: [UInt16]
    private var maxLength: Int

    /// Builds the table from the code length of each symbol (0 = symbol unused).
    /// - Throws: `AtomsError` when the lengths describe an over-subscribed code.
    init(lengths: [Int], at location: InputLocation) throws {
        var lengthCounts = [Int](repeating: 0, count: 16)
        for length in lengths { lengthCounts[length] += 1 }
        lengthCounts[0] = 0
        var left = 1
        for length in 1...15 {
            left = left * 2 - lengthCounts[length]
            guard left >= 0 else {
                throw AtomsError.malformed(
                    location, found: "an over-subscribed Huffman code", expected: "a valid deflate stream")
            }
        }
        maxLength = lengthCounts.lastIndex { $0 > 0 } ?? 0
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1..<16 {
            code = (code + lengthCounts[length - 1]) << 1
            nextCode[length] = code
        }
        // Incomplete codes are allowed; their unused table entries stay 0 and are rejected when read.
        entries = [UInt16](repeating: 0, count: 1 << maxLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let reversed = Self.reversed(nextCode[length], bits: length)
            nextCode[length] += 1
            let entry = UInt16(symbol << 4 | length)
            for index in stride(from: reversed, to: entries.count, by: 1 << length) { entries[index] = entry }
        }
    }

    /// Reads one symbol.
    /// - Throws: `AtomsError` for a bit pattern that is not a code, or a stream that ends early.
    func decode(_ reader: inout InflateBitReader, at location: InputLocation) throws -> Int {
        let entry = Int(entries[Int(reader.peek(maxLength))])
        guard entry != 0 else {
            throw AtomsError.malformed(location, found: "an invalid Huffman code", expected: "a valid deflate stream")
        }
        try reader.consume(entry & 0xF)
        return entry >> 4
    }

    private static func reversed(_ code: Int, bits: Int) -> Int {
        var result = 0
        for bit in 0..<bits where code & (1 << bit) != 0 { result |= 1 << (bits - 1 - bit) }
        return result
    }
}
