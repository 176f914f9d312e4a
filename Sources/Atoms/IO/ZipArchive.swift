// SwiftMACE, MIT licence.
// ZipArchive: the members of a zip file held in memory (PKWARE APPNOTE 6.3): end-of-central-directory record,
// ZIP64 records and extra fields, central directory, local headers; stored and deflated members, CRC-checked.

import Support

/// A zip archive read from bytes. Every offset and length from the file is bounds-checked before use.
struct ZipArchive: Sendable {
    /// One member, as the central directory describes it.
    struct Entry: Sendable, Equatable {
        var name: String
        var method: Int
        var flags: Int
        var crc32: UInt32
        var compressedSize: Int
        var uncompressedSize: Int
        var localHeaderOffset: Int
    }

    let bytes: [UInt8]
    let location: InputLocation
    /// The members in central-directory order.
    let entries: [Entry]

    private static let endSignature: UInt32 = 0x0605_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let centralSignature: UInt32 = 0x0201_4B50
    private static let localSignature: UInt32 = 0x0403_4B50
    private static let endRecordSize = 22

    /// Reads the directory of the archive in `bytes`.
    /// - Throws: `AtomsError` at `location` when the bytes are not a zip archive or its directory is damaged.
    init(bytes: [UInt8], location: InputLocation) throws {
        self.bytes = bytes
        self.location = location
        let end = try Self.findEndRecord(bytes, location)
        var entryCount = Int(bytes.littleEndian(UInt16.self, at: end + 10) ?? 0)
        var directorySize = Int(bytes.littleEndian(UInt32.self, at: end + 12) ?? 0)
        var directoryOffset = Int(bytes.littleEndian(UInt32.self, at: end + 16) ?? 0)
        let disk = bytes.littleEndian(UInt16.self, at: end + 4) ?? 0
        let directoryDisk = bytes.littleEndian(UInt16.self, at: end + 6) ?? 0
        if let zip64 = try Self.zip64EndRecord(bytes, endRecord: end, location) {
            (entryCount, directorySize, directoryOffset) = zip64
        } else if disk != 0 || directoryDisk != 0 {
            throw AtomsError.unsupportedFormat(location, reason: "multi-disk zip archive")
        }
        guard bytes.contains(offset: directoryOffset, length: directorySize), directoryOffset + directorySize <= end
        else {
            throw AtomsError.truncated(
                location,
                expected: "a zip central directory of \(directorySize) bytes at offset \(directoryOffset)")
        }
        // 46 bytes is the smallest directory entry, so the count cannot ask for more than the bytes hold.
        guard entryCount <= directorySize / 46 else {
            throw AtomsError.malformed(
                location, found: "\(entryCount) entries in a \(directorySize)-byte zip directory",
                expected: "at most \(directorySize / 46)")
        }
        var entries: [Entry] = []
        var cursor = directoryOffset
        for _ in 0..<entryCount {
            let (entry, next) = try Self.centralEntry(bytes, at: cursor, limit: directoryOffset + directorySize, location)
            entries.append(entry)
            cursor = next
        }
        self.entries = entries
    }

    /// The uncompressed, CRC-checked bytes of a member.
    /// - Parameter memberLocation: the location errors name (the archive and the member's key).
    /// - Throws: `AtomsError` for a damaged local header, truncated data, an unsupported method or a bad CRC.
    func contents(of entry: Entry, at memberLocation: InputLocation) throws -> [UInt8] {
        if entry.flags & 1 != 0 {
            throw AtomsError.unsupportedFormat(memberLocation, reason: "encrypted zip member")
        }
        let range = try dataRange(of: entry, at: memberLocation)
        let data: [UInt8]
        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw AtomsError.shapeMismatch(
                    memberLocation, found: "stored member of \(entry.compressedSize) bytes",
                    expected: "its declared size \(entry.uncompressedSize)")
            }
            data = Array(bytes[range])
        case 8:
            data = try Inflate.decompress(bytes, range: range, expectedCount: entry.uncompressedSize, at: memberLocation)
        default:
            throw AtomsError.unsupportedFormat(
                memberLocation, reason: "zip compression method \(entry.method); supported: 0 (stored), 8 (deflate)")
        }
        let crc = CRC32.checksum(data)
        guard crc == entry.crc32 else {
            throw AtomsError.malformed(
                memberLocation, found: "CRC-32 \(Self.hex(crc))",
                expected: "\(Self.hex(entry.crc32)) as the zip directory records (the member is corrupt)")
        }
        return data
    }

    /// Where a member's (compressed) data lies, after its local header.
    func dataRange(of entry: Entry, at memberLocation: InputLocation) throws -> Range<Int> {
        let header = entry.localHeaderOffset
        guard bytes.contains(offset: header, length: 30) else {
            throw AtomsError.truncated(memberLocation, expected: "a zip local header at offset \(header)")
        }
        guard bytes.littleEndian(UInt32.self, at: header) == Self.localSignature else {
            throw AtomsError.malformed(
                memberLocation, found: "no local header signature at offset \(header)",
                expected: "a zip local file header")
        }
        let nameLength = Int(bytes.littleEndian(UInt16.self, at: header + 26) ?? 0)
        let extraLength = Int(bytes.littleEndian(UInt16.self, at: header + 28) ?? 0)
        let dataStart = header + 30 + nameLength + extraLength
        guard bytes.contains(offset: dataStart, length: entry.compressedSize) else {
            throw AtomsError.truncated(
                memberLocation,
                expected: "\(entry.compressedSize) bytes of zip member data at offset \(dataStart); "
                    + "the file has \(bytes.count) bytes")
        }
        return dataStart..<dataStart + entry.compressedSize
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    /// The offset of the end-of-central-directory record: searched backwards, since a comment of up to
    /// 65535 bytes may follow it; the comment length must reach exactly to the end of the file.
    private static func findEndRecord(_ bytes: [UInt8], _ location: InputLocation) throws -> Int {
        guard bytes.count >= endRecordSize else {
            throw AtomsError.truncated(location, expected: "a zip archive (at least \(endRecordSize) bytes)")
        }
        let last = bytes.count - endRecordSize
        for offset in stride(from: last, through: max(0, last - 0xFFFF), by: -1)
        where bytes.littleEndian(UInt32.self, at: offset) == endSignature {
            if Int(bytes.littleEndian(UInt16.self, at: offset + 20) ?? 0) == last - offset { return offset }
        }
        throw AtomsError.unsupportedFormat(
            location, reason: "no zip end-of-central-directory record (not an npz/zip archive, or truncated)")
    }

    /// Entry count, directory size and directory offset from the ZIP64 end record, when a locator precedes
    /// the end record.
    private static func zip64EndRecord(
        _ bytes: [UInt8], endRecord: Int, _ location: InputLocation
    ) throws -> (Int, Int, Int)? {
        let locator = endRecord - 20
        guard locator >= 0, bytes.littleEndian(UInt32.self, at: locator) == zip64LocatorSignature else { return nil }
        guard let recordOffset64 = bytes.littleEndian(UInt64.self, at: locator + 8),
            let record = Int(exactly: recordOffset64), bytes.contains(offset: record, length: 56),
            bytes.littleEndian(UInt32.self, at: record) == zip64EndSignature
        else {
            throw AtomsError.malformed(
                location, found: "a ZIP64 locator pointing outside the file or not at a ZIP64 end record",
                expected: "a ZIP64 end-of-central-directory record")
        }
        if bytes.littleEndian(UInt32.self, at: record + 16) != 0 || bytes.littleEndian(UInt32.self, at: record + 20) != 0 {
            throw AtomsError.unsupportedFormat(location, reason: "multi-disk zip archive")
        }
        let fields = [32, 40, 48].map { bytes.littleEndian(UInt64.self, at: record + $0).flatMap { Int(exactly: $0) } }
        guard let count = fields[0], let size = fields[1], let offset = fields[2] else {
            throw AtomsError.malformed(
                location, found: "ZIP64 directory sizes beyond 2^63", expected: "sizes that fit in the file")
        }
        return (count, size, offset)
    }

    /// Parses the central directory entry at `offset`, which must end by `limit`; returns it and the next offset.
    private static func centralEntry(
        _ bytes: [UInt8], at offset: Int, limit: Int, _ location: InputLocation
    ) throws -> (Entry, Int) {
        guard offset + 46 <= limit, bytes.littleEndian(UInt32.self, at: offset) == centralSignature else {
            throw AtomsError.malformed(
                location, found: "no central directory entry at offset \(offset)", expected: "a zip directory entry")
        }
        func u16(_ at: Int) -> Int { Int(bytes.littleEndian(UInt16.self, at: offset + at) ?? 0) }
        func u32(_ at: Int) -> UInt32 { bytes.littleEndian(UInt32.self, at: offset + at) ?? 0 }
        let nameLength = u16(28)
        let extraLength = u16(30)
        let commentLength = u16(32)
        let next = offset + 46 + nameLength + extraLength + commentLength
        guard next <= limit else {
            throw AtomsError.truncated(location, expected: "a complete zip directory entry at offset \(offset)")
        }
        let name = String(decoding: bytes[offset + 46..<offset + 46 + nameLength], as: UTF8.self)
        var entry = Entry(
            name: name, method: u16(10), flags: u16(8), crc32: u32(16), compressedSize: Int(u32(20)),
            uncompressedSize: Int(u32(24)), localHeaderOffset: Int(u32(42)))
        try readZip64Extra(
            bytes, extra: offset + 46 + nameLength..<offset + 46 + nameLength + extraLength, into: &entry,
            location.key(name))
        return (entry, next)
    }

    /// Replaces the 0xFFFFFFFF placeholders of an entry by the 64-bit values of its ZIP64 extra field
    /// (header id 1), which holds, in order, only the sizes that overflowed.
    private static func readZip64Extra(
        _ bytes: [UInt8], extra: Range<Int>, into entry: inout Entry, _ location: InputLocation
    ) throws {
        var field = extra.lowerBound
        while field + 4 <= extra.upperBound {
            let id = bytes.littleEndian(UInt16.self, at: field) ?? 0
            let size = Int(bytes.littleEndian(UInt16.self, at: field + 2) ?? 0)
            let data = field + 4
            guard data + size <= extra.upperBound else {
                throw AtomsError.truncated(location, expected: "a zip extra field of \(size) bytes")
            }
            if id == 1 {
                var cursor = data
                func next64(_ what: String) throws -> Int {
                    guard cursor + 8 <= data + size, let value = bytes.littleEndian(UInt64.self, at: cursor),
                        let exact = Int(exactly: value)
                    else {
                        throw AtomsError.malformed(
                            location, found: "a ZIP64 extra field without a valid \(what)",
                            expected: "the 64-bit values the directory entry defers to it")
                    }
                    cursor += 8
                    return exact
                }
                if entry.uncompressedSize == 0xFFFF_FFFF { entry.uncompressedSize = try next64("uncompressed size") }
                if entry.compressedSize == 0xFFFF_FFFF { entry.compressedSize = try next64("compressed size") }
                if entry.localHeaderOffset == 0xFFFF_FFFF { entry.localHeaderOffset = try next64("header offset") }
            }
            field = data + size
        }
    }
}
