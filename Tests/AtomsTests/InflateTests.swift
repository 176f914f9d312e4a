// SwiftMACE, MIT licence.
// Tests of the deflate decompressor: dynamic, fixed and stored blocks written by zlib, and exact errors for
// malformed streams.

import Foundation
import Support
import TestSupport
import Testing

@testable import Atoms

@Suite struct InflateTests {
    private let location = InputLocation(file: "compressed.npz", key: "big")

    /// The compressed bytes of a member and the size it must inflate to.
    private func member(_ file: String, _ name: String) throws -> (bytes: [UInt8], range: Range<Int>, size: Int) {
        let bytes = [UInt8](try Fixtures.data("atoms/numpy/\(file)"))
        let zip = try ZipArchive(bytes: bytes, location: InputLocation(file: file))
        let entry = try #require(zip.entries.first { $0.name == name })
        return (bytes, try zip.dataRange(of: entry, at: location), entry.uncompressedSize)
    }

    @Test func firstBlockOfLargeMemberIsDynamicHuffman() throws {
        let (bytes, range, _) = try member("compressed.npz", "big.npy")
        #expect(bytes[range.lowerBound] >> 1 & 3 == 2)
    }

    @Test func inflatesDynamicFixedAndStoredBlocks() throws {
        // 51 KB of rounded random floats (dynamic blocks), a small member (fixed block) and a level-0 stream
        // (stored blocks); each checked by its zip CRC-32 and against the values numpy wrote.
        let cases = [("compressed.npz", "big.npy"), ("compressed.npz", "b.npy"), ("zip64.npz", "a.npy"), ("zip64.npz", "b.npy")]
        for (file, name) in cases {
            let bytes = [UInt8](try Fixtures.data("atoms/numpy/\(file)"))
            let zip = try ZipArchive(bytes: bytes, location: InputLocation(file: file))
            let entry = try #require(zip.entries.first { $0.name == name })
            #expect(entry.method == 8)
            let data = try zip.contents(of: entry, at: location)
            #expect(CRC32.checksum(data) == entry.crc32)
        }
    }

    @Test func blockTypeThreeIsRejected() {
        let error = #expect(throws: AtomsError.self) {
            try Inflate.decompress([0x07], range: 0..<1, expectedCount: 10, at: location)
        }
        #expect(error?.description == "compressed.npz: key 'big': found 'deflate block type 3'; expected block type 0, 1 or 2")
    }

    @Test func storedBlockWithBadLengthCheckIsRejected() {
        // Final stored block, LEN = 5, NLEN = 0 (should be 0xFFFA).
        let stream: [UInt8] = [0x01, 0x05, 0x00, 0x00, 0x00]
        let error = #expect(throws: AtomsError.self) {
            try Inflate.decompress(stream, range: 0..<stream.count, expectedCount: 5, at: location)
        }
        #expect(
            error?.description
                == "compressed.npz: key 'big': found 'stored block length 5 with check 0'; expected the check to be the length's one's complement"
        )
    }

    @Test func truncatedStreamIsReported() throws {
        let (bytes, range, size) = try member("compressed.npz", "big.npy")
        let cut = range.lowerBound..<range.lowerBound + range.count / 2
        let error = #expect(throws: AtomsError.self) {
            try Inflate.decompress(bytes, range: cut, expectedCount: size, at: location)
        }
        #expect(
            error?.description
                == "compressed.npz: key 'big': input ends early; expected more deflate data (the compressed stream ends early)")
    }

    @Test func outputLongerThanDeclaredIsRejected() throws {
        let (bytes, range, size) = try member("compressed.npz", "big.npy")
        let error = #expect(throws: AtomsError.self) {
            try Inflate.decompress(bytes, range: range, expectedCount: size - 1, at: location)
        }
        #expect(
            error?.description
                == "compressed.npz: key 'big': more than 51327 bytes after decompression; expected 51327 bytes as the zip directory declares"
        )
    }

    @Test func impossibleDeclaredSizeIsRejectedBeforeAllocating() {
        let error = #expect(throws: AtomsError.self) {
            try Inflate.decompress([0x03, 0x00], range: 0..<2, expectedCount: 1 << 40, at: location)
        }
        #expect(
            error?.description
                == "compressed.npz: key 'big': found 'declared size 1099511627776 for 2 compressed bytes'; expected a size deflate can reach (at most 1032× the compressed size)"
        )
    }

    @Test func damagedStreamsNeverCrash() throws {
        let (bytes, range, size) = try member("compressed.npz", "big.npy")
        for index in stride(from: range.lowerBound, to: range.upperBound, by: 211) {
            var damaged = bytes
            damaged[index] ^= 0x5A
            do {
                _ = try Inflate.decompress(damaged, range: range, expectedCount: size, at: location)
            } catch is AtomsError {
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
    }
}
