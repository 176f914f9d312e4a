// SwiftMACE, MIT licence.
// SafetensorsFile: reads a safetensors container (8-byte little-endian header length, JSON header, raw data),
// checking every offset against the file (docs/MODEL_FORMAT.md §1).

import Atoms
import Foundation

/// The tensors and string metadata of a safetensors file.
///
/// Every header entry is checked before any data is read: known dtype, non-negative shape, `data_offsets`
/// inside the data section and equal to `elementCount · byteSize`. Errors are `ModelError`s naming the file
/// and the tensor key.
public struct SafetensorsFile: Sendable {
    /// The file name used in error messages (the path as given).
    public let file: String
    /// The tensors by name.
    public let tensors: [String: SafetensorsTensor]
    /// The `__metadata__` string map (empty when absent).
    public let metadata: [String: String]

    /// Reads and checks a safetensors file.
    /// - Throws: `ModelError.cannotRead`, `.truncated`, `.malformedHeader`, `.malformedTensor`.
    public init(contentsOf url: URL) throws {
        let file = url.relativePath
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ModelError.cannotRead(file: file, reason: isDirectory.boolValue ? "it is a folder" : "no such file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelError.cannotRead(file: file, reason: (error as NSError).localizedDescription)
        }
        try self.init(bytes: [UInt8](data), file: file)
    }

    /// Parses safetensors bytes; `file` names them in errors.
    /// - Throws: as `init(contentsOf:)`.
    public init(bytes: [UInt8], file: String) throws {
        self.file = file
        guard bytes.count >= 8 else {
            throw ModelError.truncated(file: file, expected: "an 8-byte header length; the file has \(bytes.count) bytes")
        }
        let headerLength = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw ModelError.truncated(
                file: file, expected: "a header of \(headerLength) bytes; only \(bytes.count - 8) bytes follow the length")
        }
        let dataStart = 8 + Int(headerLength)
        let root: JSONValue
        do {
            root = try JSONParser.parse(Array(bytes[8..<dataStart]), file: "header")
        } catch {
            throw ModelError.malformedHeader(file: file, reason: "not JSON (\(error))")
        }
        guard case .object(let entries) = root else {
            throw ModelError.malformedHeader(file: file, reason: "the header is not a JSON object")
        }
        var metadata: [String: String] = [:]
        var tensors: [String: SafetensorsTensor] = [:]
        let dataSize = bytes.count - dataStart
        for (key, value) in entries {
            if key == "__metadata__" {
                metadata = try Self.metadata(value, file: file)
                continue
            }
            let entry = try SafetensorsEntry(value, key: key, file: file, dataSize: dataSize)
            tensors[key] = SafetensorsTensor(
                dtype: entry.dtype, shape: entry.shape,
                bytes: Array(bytes[(dataStart + entry.begin)..<(dataStart + entry.end)]))
        }
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor `key`. - Throws: `ModelError.missingTensor`.
    public func tensor(_ key: String) throws -> SafetensorsTensor {
        guard let tensor = tensors[key] else { throw ModelError.missingTensor(file: file, key: key) }
        return tensor
    }

    private static func metadata(_ value: JSONValue, file: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw ModelError.malformedHeader(file: file, reason: "'__metadata__' is not an object")
        }
        return try members.mapValues { member in
            guard case .string(let text) = member else {
                throw ModelError.malformedHeader(file: file, reason: "'__metadata__' values must be strings")
            }
            return text
        }
    }
}

/// One checked header entry: dtype, shape and byte range in the data section.
private struct SafetensorsEntry {
    let dtype: SafetensorsDType
    let shape: [Int]
    let begin: Int
    let end: Int

    init(_ value: JSONValue, key: String, file: String, dataSize: Int) throws {
        func failure(_ reason: String) -> ModelError { .malformedTensor(file: file, key: key, reason: reason) }
        guard case .object(let fields) = value else { throw failure("header entry is not an object") }
        guard case .string(let dtypeName) = fields["dtype"] else { throw failure("missing 'dtype'") }
        guard let dtype = SafetensorsDType(rawValue: dtypeName) else {
            throw failure("unknown dtype '\(dtypeName)'; expected one of "
                + SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard case .array(let dims) = fields["shape"] else { throw failure("missing 'shape'") }
        var shape: [Int] = []
        var count = 1
        for dim in dims {
            guard case .int(let size) = dim, size >= 0 else { throw failure("shape \(dims) is not a list of sizes ≥ 0") }
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow, product <= dataSize else {
                throw failure("shape [\(dims.map(Self.text).joined(separator: ", "))] needs more bytes than the \(dataSize)-byte data section holds")
            }
            shape.append(size)
            count = product
        }
        guard case .array(let offsets) = fields["data_offsets"], offsets.count == 2,
            case .int(let begin) = offsets[0], case .int(let end) = offsets[1]
        else { throw failure("'data_offsets' is not a pair of integers") }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw failure("data_offsets [\(begin), \(end)] lie outside the \(dataSize)-byte data section")
        }
        guard end - begin == count * dtype.byteSize else {
            throw failure("data_offsets [\(begin), \(end)] hold \(end - begin) bytes; expected \(count * dtype.byteSize) "
                + "for \(dtype.rawValue) of shape \(shape)")
        }
        self.dtype = dtype
        self.shape = shape
        self.begin = begin
        self.end = end
    }

    private static func text(_ value: JSONValue) -> String {
        switch value {
        case .int(let integer): "\(integer)"
        case .double(let real): "\(real)"
        default: "?"
        }
    }
}
