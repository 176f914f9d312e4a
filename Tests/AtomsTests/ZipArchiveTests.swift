// SwiftMACE, MIT licence.
// Tests of the zip reader: directories of numpy-written npz files (stored, deflated, ZIP64, with a comment),
// CRC checking, and clean errors for truncated or damaged archives.

import Foundation
import Support
import TestSupport
import Testing

@testable import Atoms

@Suite struct ZipArchiveTests {
    private func archive(_ name: String) throws -> ZipArchive {
        let url = Fixtures.url("atoms/numpy/\(name)")
        return try ZipArchive(bytes: [UInt8](try Data(contentsOf: url)), location: InputLocation(file: name))
    }

    @Test func crc32MatchesTheStandardCheckValue() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([]) == 0)
    }

    @Test func readsStoredMembersOfSavez() throws {
        let zip = try archive("stored.npz")
        #expect(zip.entries.map(\.name) == ["a.npy", "b.npy"])
        #expect(zip.entries.map(\.method) == [0, 0])
        let b = try zip.contents(of: zip.entries[1], at: InputLocation(file: "stored.npz", key: "b"))
        #expect(Array(b.prefix(6)) == NPYParser.magic)
        #expect(b.count == zip.entries[1].uncompressedSize)
    }

    @Test func readsSizesAndOffsetsFromZip64Fields() throws {
        let zip = try archive("zip64.npz")
        #expect(zip.entries.map(\.name) == ["a.npy", "b.npy"])
        // The 32-bit fields all hold 0xFFFFFFFF; the real values come from the ZIP64 extra fields.
        #expect(zip.entries.map(\.uncompressedSize) == [224, 152])
        #expect(zip.entries[0].localHeaderOffset == 0)
        #expect(zip.entries[1].localHeaderOffset > 0)
    }

    @Test func findsTheEndRecordBeforeAComment() throws {
        let zip = try archive("commented.npz")
        #expect(zip.entries.map(\.name) == ["b.npy"])
    }

    @Test func corruptMemberFailsItsCRC() throws {
        let url = Fixtures.url("atoms/numpy/stored.npz")
        var bytes = [UInt8](try Data(contentsOf: url))
        let intact = try ZipArchive(bytes: bytes, location: InputLocation(file: "stored.npz"))
        let range = try intact.dataRange(of: intact.entries[0], at: InputLocation(file: "stored.npz"))
        bytes[range.upperBound - 1] ^= 0x01  // last byte of the last float of 'a'
        let zip = try ZipArchive(bytes: bytes, location: InputLocation(file: "stored.npz"))
        let location = InputLocation(file: "stored.npz", key: "a")
        let actual = CRC32.checksum(Array(bytes[range]))
        let error = #expect(throws: AtomsError.self) { try zip.contents(of: zip.entries[0], at: location) }
        let hex = { (value: UInt32) in String(format: "0x%08x", value) }
        #expect(
            error?.description
                == "stored.npz: key 'a': found 'CRC-32 \(hex(actual))'; expected \(hex(zip.entries[0].crc32)) as the zip directory records (the member is corrupt)"
        )
    }

    @Test func truncatedArchiveHasNoEndRecord() throws {
        let bytes = [UInt8](try Fixtures.data("atoms/numpy/stored.npz"))
        let error = #expect(throws: AtomsError.self) {
            try ZipArchive(bytes: Array(bytes.prefix(bytes.count / 2)), location: InputLocation(file: "stored.npz"))
        }
        #expect(
            error?.description
                == "stored.npz: unsupported format: no zip end-of-central-directory record (not an npz/zip archive, or truncated)"
        )
    }

    @Test func directoryOutsideTheFileIsReported() throws {
        var bytes = [UInt8](try Fixtures.data("atoms/numpy/stored.npz"))
        // The end record is the last 22 bytes (no comment); its directory offset is at +16.
        let end = bytes.count - 22
        for index in 0..<4 { bytes[end + 16 + index] = 0x7F }
        let error = #expect(throws: AtomsError.self) {
            try ZipArchive(bytes: bytes, location: InputLocation(file: "stored.npz"))
        }
        #expect(
            error?.description
                == "stored.npz: input ends early; expected a zip central directory of 102 bytes at offset 2139062143")
    }

    @Test func memberDataCutShortIsReported() throws {
        var bytes = [UInt8](try Fixtures.data("atoms/numpy/stored.npz"))
        let zip = try ZipArchive(bytes: bytes, location: InputLocation(file: "stored.npz"))
        // Point the second entry's local header near the end of the file, leaving no room for its data.
        var entry = zip.entries[1]
        entry.localHeaderOffset = bytes.count - 30
        bytes.replaceSubrange(bytes.count - 30..<bytes.count - 26, with: [0x50, 0x4B, 0x03, 0x04])
        let damaged = try ZipArchive(bytes: bytes, location: InputLocation(file: "stored.npz"))
        let error = #expect(throws: AtomsError.self) {
            try damaged.contents(of: entry, at: InputLocation(file: "stored.npz", key: "b"))
        }
        #expect(error?.description.hasPrefix("stored.npz: key 'b': input ends early; expected 152 bytes of zip member data") == true)
    }

    @Test(arguments: ["stored.npz", "zip64.npz", "commented.npz"])
    func damagedBytesNeverCrash(name: String) throws {
        // Every prefix, and every single byte inverted: each either reads or throws AtomsError.
        let bytes = [UInt8](try Fixtures.data("atoms/numpy/\(name)"))
        let location = InputLocation(file: name)
        func readAll(_ data: [UInt8]) {
            do {
                let zip = try ZipArchive(bytes: data, location: location)
                for entry in zip.entries {
                    _ = try NPYParser.parse(try zip.contents(of: entry, at: location), at: location)
                }
            } catch is AtomsError {
            } catch {
                Issue.record("unexpected error \(error)")
            }
        }
        for length in 0..<bytes.count { readAll(Array(bytes.prefix(length))) }
        for index in bytes.indices {
            var damaged = bytes
            damaged[index] ^= 0xFF
            readAll(damaged)
        }
    }
}
