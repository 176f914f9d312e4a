// SwiftMACE, MIT licence.
// DatasetReader: reads any supported file or folder, choosing the reader by what the path holds.

import Foundation
import Support

/// The data formats SwiftMACE reads.
public enum DataFormat: String, Sendable, CaseIterable {
    /// Extended XYZ as ASE writes it (`.xyz`, `.extxyz`).
    case extxyz
    /// rMD17 / sGDML NumPy archive (`.npz`).
    case npz
    /// DeePMD system folder(s): `type.raw`, `type_map.raw`, `set.*/*.npy`.
    case deepmd
    /// pymatgen `Structure` JSON list, as the mlearn data (`.json`).
    case pymatgenJSON = "pymatgen-json"
}

/// Reads configurations from any supported file or folder.
public enum DatasetReader {
    /// Reads every configuration at `path`.
    /// - Parameters:
    ///   - path: a file (extxyz, npz, pymatgen JSON) or a DeePMD folder.
    ///   - keys: label keys, as mace-torch's `--energy_key` etc.
    ///   - format: the format, or `nil` to detect it from the path and its first bytes.
    /// - Throws: `AtomsError` naming the file, line or key on any problem.
    public static func read(
        path: String, keys: PropertyKeys = PropertyKeys(), format: DataFormat? = nil
    ) throws -> Dataset {
        let format = try format ?? detectFormat(path: path)
        let url = URL(fileURLWithPath: path)
        let configurations: [Configuration]
        switch format {
        case .extxyz: configurations = try ExtXYZReader.read(contentsOf: url, keys: keys)
        case .npz: configurations = try RMD17Reader.read(contentsOf: url, keys: keys)
        case .deepmd: configurations = try DeePMDReader.read(contentsOf: url, keys: keys)
        case .pymatgenJSON: configurations = try PymatgenReader.read(contentsOf: url, keys: keys)
        }
        return Dataset(configurations: configurations, source: path)
    }

    /// Detects the format of a path: folders are DeePMD; files by extension, else by their first bytes.
    public static func detectFormat(path: String) throws -> DataFormat {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw AtomsError.cannotRead(InputLocation(file: path), reason: "no such file or folder")
        }
        if isDirectory.boolValue { return .deepmd }
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "xyz", "extxyz": return .extxyz
        case "npz": return .npz
        case "json": return .pymatgenJSON
        default: break
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw AtomsError.cannotRead(InputLocation(file: path), reason: "permission denied")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 64)) ?? Data()
        let firstByte = head.first { !($0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D) }
        switch firstByte {
        case nil:
            throw AtomsError.empty(InputLocation(file: path), expected: "an extxyz, npz, JSON file or DeePMD folder")
        case UInt8(ascii: "P") where head.starts(with: [0x50, 0x4B]): return .npz
        case UInt8(ascii: "["), UInt8(ascii: "{"): return .pymatgenJSON
        case let byte? where (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte): return .extxyz
        default:
            throw AtomsError.unsupportedFormat(
                InputLocation(file: path),
                reason: "expected extxyz (.xyz), rMD17 npz (.npz), pymatgen JSON (.json) or a DeePMD folder")
        }
    }
}
