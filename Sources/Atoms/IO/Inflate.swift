// SwiftMACE, MIT licence.
// Inflate: decompresses a raw deflate stream (RFC 1951: stored, fixed-Huffman and dynamic-Huffman blocks),
// as zip method 8 and `np.savez_compressed` use. Output is capped at the size the zip directory declares.

import Support

/// A raw deflate decompressor.
enum Inflate {
    /// The largest output per input byte deflate can encode (a 258-byte match in two 1-bit codes).
    static let maximumRatio = 1032

    /// Decompresses `bytes[range]`, which must inflate to exactly `expectedCount` bytes.
    /// - Throws: `AtomsError` at `location` for a malformed or truncated stream, or one whose output size
    ///   differs from `expectedCount`.
    static func decompress(
        _ bytes: [UInt8], range: Range<Int>, expectedCount: Int, at location: InputLocation
    ) throws -> [UInt8] {
        // A declared size no deflate stream of this length can reach is rejected before allocating for it.
        guard expectedCount <= range.count * maximumRatio + 258 else {
            throw AtomsError.malformed(
                location, found: "declared size \(expectedCount) for \(range.count) compressed bytes",
                expected: "a size deflate can reach (at most \(maximumRatio)× the compressed size)")
        }
        var output: [UInt8] = []
        output.reserveCapacity(expectedCount)
        var reader = InflateBitReader(bytes: bytes, range: range, location: location)
        var fixed: (HuffmanTable, HuffmanTable)?
        var isFinal = false
        while !isFinal {
            isFinal = try reader.bits(1) == 1
            switch try reader.bits(2) {
            case 0: try storedBlock(&reader, &output, expectedCount, location)
            case 1:
                let (literals, distances) = try fixed ?? fixedCodes(location)
                fixed = (literals, distances)
                try huffmanBlock(&reader, &output, expectedCount, literals, distances, location)
            case 2:
                let (literals, distances) = try dynamicCodes(&reader, location)
                try huffmanBlock(&reader, &output, expectedCount, literals, distances, location)
            default:
                throw AtomsError.malformed(location, found: "deflate block type 3", expected: "block type 0, 1 or 2")
            }
        }
        guard output.count == expectedCount else {
            throw AtomsError.shapeMismatch(
                location, found: "\(output.count) bytes after decompression",
                expected: "\(expectedCount) bytes as the zip directory declares")
        }
        return output
    }

    private static func tooLong(_ location: InputLocation, _ expectedCount: Int) -> AtomsError {
        AtomsError.shapeMismatch(
            location, found: "more than \(expectedCount) bytes after decompression",
            expected: "\(expectedCount) bytes as the zip directory declares")
    }

    private static func storedBlock(
        _ reader: inout InflateBitReader, _ output: inout [UInt8], _ expectedCount: Int, _ location: InputLocation
    ) throws {
        try reader.alignToByte()
        let length = try reader.bits(16)
        let complement = try reader.bits(16)
        guard length == ~complement & 0xFFFF else {
            throw AtomsError.malformed(
                location, found: "stored block length \(length) with check \(complement)",
                expected: "the check to be the length's one's complement")
        }
        guard length <= expectedCount - output.count else { throw tooLong(location, expectedCount) }
        try reader.copyBytes(length, into: &output)
    }

    private static func huffmanBlock(
        _ reader: inout InflateBitReader, _ output: inout [UInt8], _ expectedCount: Int,
        _ literals: HuffmanTable, _ distances: HuffmanTable, _ location: InputLocation
    ) throws {
        while true {
            let symbol = try literals.decode(&reader, at: location)
            if symbol < 256 {
                guard output.count < expectedCount else { throw tooLong(location, expectedCount) }
                output.append(UInt8(symbol))
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < lengthBase.count else {
                throw AtomsError.malformed(location, found: "length symbol \(symbol)", expected: "a symbol up to 285")
            }
            let length = lengthBase[lengthIndex] + (try reader.bits(lengthExtraBits[lengthIndex]))
            let distanceSymbol = try distances.decode(&reader, at: location)
            guard distanceSymbol < distanceBase.count else {
                throw AtomsError.malformed(
                    location, found: "distance symbol \(distanceSymbol)", expected: "a symbol up to 29")
            }
            let distance = distanceBase[distanceSymbol] + (try reader.bits(distanceExtraBits[distanceSymbol]))
            guard distance <= output.count else {
                throw AtomsError.malformed(
                    location, found: "a match distance of \(distance) after \(output.count) bytes",
                    expected: "a distance back into the output so far")
            }
            guard length <= expectedCount - output.count else { throw tooLong(location, expectedCount) }
            // Byte by byte: a match may overlap the bytes it is producing (distance < length).
            var from = output.count - distance
            for _ in 0..<length {
                output.append(output[from])
                from += 1
            }
        }
    }

    /// Reads a dynamic block's code descriptions (RFC 1951 §3.2.7).
    private static func dynamicCodes(
        _ reader: inout InflateBitReader, _ location: InputLocation
    ) throws -> (HuffmanTable, HuffmanTable) {
        let literalCount = try reader.bits(5) + 257
        let distanceCount = try reader.bits(5) + 1
        let codeLengthCount = try reader.bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw AtomsError.malformed(
                location, found: "\(literalCount) literal and \(distanceCount) distance codes",
                expected: "at most 286 and 30")
        }
        var codeLengthLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeLengthCount { codeLengthLengths[codeLengthOrder[index]] = try reader.bits(3) }
        let codeLengthCode = try HuffmanTable(lengths: codeLengthLengths, at: location)

        var lengths: [Int] = []
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try codeLengthCode.decode(&reader, at: location)
            let value: Int
            let repeatCount: Int
            switch symbol {
            case 0..<16:
                value = symbol
                repeatCount = 1
            case 16:
                guard let previous = lengths.last else {
                    throw AtomsError.malformed(
                        location, found: "a repeat code with no previous length", expected: "a valid deflate stream")
                }
                value = previous
                repeatCount = 3 + (try reader.bits(2))
            case 17:
                value = 0
                repeatCount = 3 + (try reader.bits(3))
            default:
                value = 0
                repeatCount = 11 + (try reader.bits(7))
            }
            guard lengths.count + repeatCount <= literalCount + distanceCount else {
                throw AtomsError.malformed(
                    location, found: "code lengths running past \(literalCount + distanceCount) codes",
                    expected: "a valid deflate stream")
            }
            lengths.append(contentsOf: repeatElement(value, count: repeatCount))
        }
        guard lengths[256] > 0 else {
            throw AtomsError.malformed(location, found: "no end-of-block code", expected: "a valid deflate stream")
        }
        return (
            try HuffmanTable(lengths: Array(lengths[0..<literalCount]), at: location),
            try HuffmanTable(lengths: Array(lengths[literalCount...]), at: location)
        )
    }

    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    /// The fixed Huffman codes of block type 1 (RFC 1951 §3.2.6); distance symbols 30 and 31 stay unused.
    private static func fixedCodes(_ location: InputLocation) throws -> (HuffmanTable, HuffmanTable) {
        let literalLengths = (0..<288).map { symbol in symbol < 144 ? 8 : symbol < 256 ? 9 : symbol < 280 ? 7 : 8 }
        return (
            try HuffmanTable(lengths: literalLengths, at: location),
            try HuffmanTable(lengths: [Int](repeating: 5, count: 30), at: location)
        )
    }
}
