// SwiftMACE, MIT licence.
// InflateBitReader: reads a deflate stream bit by bit, least significant bit first (RFC 1951 §3.1.1),
// never past the end of its input: reading beyond the last byte is reported as a truncated stream.

import Support

/// A bounds-checked LSB-first bit reader over a byte range.
struct InflateBitReader {
    private let bytes: [UInt8]
    private var position: Int
    private let end: Int
    private var buffer: UInt64 = 0
    private var bitCount = 0
    /// Zero bits appended past the end of the input so a table lookup can peek; consuming one is an error.
    private var paddingBits = 0
    private let location: InputLocation

    init(bytes: [UInt8], range: Range<Int>, location: InputLocation) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        self.location = location
    }

    /// The next `count` (≤ 32) bits without consuming them.
    mutating func peek(_ count: Int) -> UInt32 {
        while bitCount < count {
            if position < end {
                buffer |= UInt64(bytes[position]) << UInt64(bitCount)
                position += 1
            } else {
                paddingBits += 8
            }
            bitCount += 8
        }
        return UInt32(truncatingIfNeeded: buffer & ((1 << UInt64(count)) - 1))
    }

    /// Drops `count` bits that were peeked.
    mutating func consume(_ count: Int) throws {
        buffer >>= UInt64(count)
        bitCount -= count
        if bitCount < paddingBits {
            throw AtomsError.truncated(location, expected: "more deflate data (the compressed stream ends early)")
        }
    }

    /// Reads `count` (≤ 32) bits as an integer.
    mutating func bits(_ count: Int) throws -> Int {
        let value = peek(count)
        try consume(count)
        return Int(value)
    }

    /// Skips to the next byte boundary (before a stored block).
    mutating func alignToByte() throws {
        try consume(bitCount % 8)
    }

    /// Appends `count` whole bytes to `output`; the reader must be byte aligned.
    mutating func copyBytes(_ count: Int, into output: inout [UInt8]) throws {
        var remaining = count
        while remaining > 0 && bitCount >= 8 {
            output.append(UInt8(truncatingIfNeeded: try bits(8)))
            remaining -= 1
        }
        guard remaining <= end - position else {
            throw AtomsError.truncated(location, expected: "\(count) bytes of a stored deflate block")
        }
        output.append(contentsOf: bytes[position..<position + remaining])
        position += remaining
    }
}
