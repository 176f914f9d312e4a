// SwiftMACE, MIT licence.
// NPZReader and NPZFile: the arrays of a NumPy `.npz` archive (`np.savez`, `np.savez_compressed`), a zip of
// `.npy` members. Members are decoded on demand, so a file with arrays of unsupported dtypes stays readable.

import Foundation
import Support

/// An opened `.npz` archive whose members are parsed when asked for.
public struct NPZFile: Sendable {
    /// The path as given, used in messages.
    public let path: String
    private let archive: ZipArchive
    private let entryByKey: [String: ZipArchive.Entry]

    /// The member keys (file names without `.npy`, as `np.load(...).files`), in archive order.
    public let keys: [String]

    init(archive: ZipArchive, path: String) {
        self.archive = archive
        self.path = path
        var keys: [String] = []
        var entryByKey: [String: ZipArchive.Entry] = [:]
        for entry in archive.entries {
            let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
            if entryByKey.updateValue(entry, forKey: key) == nil { keys.append(key) }
        }
        self.keys = keys
        self.entryByKey = entryByKey
    }

    /// Whether the archive has a member with this key.
    public func contains(_ key: String) -> Bool { entryByKey[key] != nil }

    /// The array stored under `key`.
    /// - Throws: `AtomsError` naming the file and key when the member is missing, damaged or not a supported
    ///   npy array.
    public func array(_ key: String) throws -> NPYArray {
        let location = InputLocation(file: path, key: key)
        guard let entry = entryByKey[key] else {
            throw AtomsError.missingKey(
                InputLocation(file: path), key: key,
                expected: "an npz member '\(key).npy'; members: \(keys.joined(separator: ", "))")
        }
        return try NPYParser.parse(try archive.contents(of: entry, at: location), at: location)
    }
}

/// Reads NumPy `.npz` archives.
public enum NPZReader {
    /// Opens an `.npz` file and reads its directory; arrays are parsed by `NPZFile.array(_:)`.
    /// - Throws: `AtomsError` when the file cannot be read or is not a zip archive.
    public static func file(contentsOf url: URL) throws -> NPZFile {
        let location = InputLocation(file: url.relativePath)
        let bytes = try NPYParser.readBytes(of: url, at: location)
        return NPZFile(archive: try ZipArchive(bytes: bytes, location: location), path: url.relativePath)
    }

    /// Every array of an `.npz` file, by key (`coords` for member `coords.npy`).
    /// - Throws: `AtomsError` naming the file and key of the first member that cannot be read.
    public static func arrays(contentsOf url: URL) throws -> [String: NPYArray] {
        let file = try file(contentsOf: url)
        var arrays: [String: NPYArray] = [:]
        for key in file.keys { arrays[key] = try file.array(key) }
        return arrays
    }
}
