// SwiftMACE, MIT licence.
// A minimal safetensors reader/writer (8-byte little-endian header length, JSON header, raw little-endian data)
// for checkpoints: F64, F32 and I32 tensors plus string metadata. No other safetensors code exists in the repo yet.

import Foundation
import Tensors

/// Named tensors and string metadata in the safetensors layout.
public struct SafetensorsFile: Sendable {
    /// Tensors in file order.
    public var tensors: [(name: String, tensor: Tensor)]
    /// The `__metadata__` mapping.
    public var metadata: [String: String]

    public init(tensors: [(name: String, tensor: Tensor)] = [], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`.
    public subscript(name: String) -> Tensor? { tensors.first { $0.name == name }?.tensor }

    /// The file's bytes. Data offsets follow the tensor order.
    public func serialized() throws -> Data {
        var header: [String: Any] = [:]
        var body = Data()
        for (name, tensor) in tensors {
            let bytes = Self.bytes(of: tensor)
            header[name] = ["dtype": Self.code(tensor.dtype), "shape": tensor.shape, "data_offsets": [body.count, body.count + bytes.count]]
            body.append(bytes)
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned, as the format recommends.
        while (json.count + 8) % 8 != 0 { json.append(0x20) }
        var length = UInt64(json.count).littleEndian
        var file = Data(bytes: &length, count: 8)
        file.append(json)
        file.append(body)
        return file
    }

    /// Parses safetensors bytes; `path` names the file in errors.
    /// - Throws: `TrainingError.invalidFile` for a truncated file, a bad header, an unknown dtype, or offsets that
    ///   do not match the shape.
    public init(data: Data, path: String) throws {
        func fail(_ reason: String) -> TrainingError { .invalidFile(path: path, reason: reason) }
        guard data.count >= 8 else { throw fail("too short for a safetensors header") }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | (UInt64($1.element) << (8 * UInt64($1.offset))) }
        guard length <= UInt64(data.count - 8) else { throw fail("header length \(length) exceeds the file size") }
        let headerEnd = 8 + Int(length)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any] else {
            throw fail("header is not a JSON object")
        }
        let body = data.subdata(in: headerEnd..<data.count)
        metadata = header["__metadata__"] as? [String: String] ?? [:]
        var entries: [(name: String, begin: Int, tensor: Tensor)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let code = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2
            else { throw fail("tensor '\(name)': expected dtype, shape and data_offsets") }
            guard let dtype = Self.dtype(code) else { throw fail("tensor '\(name)': unsupported dtype '\(code)'") }
            guard shape.allSatisfy({ $0 >= 0 && $0 < 1 << 32 }) else { throw fail("tensor '\(name)': bad shape \(shape)") }
            let (count, overflow) = shape.reduce((1, false)) { partial, dimension in
                let product = partial.0.multipliedReportingOverflow(by: dimension)
                return (product.partialValue, partial.1 || product.overflow)
            }
            guard !overflow, offsets[0] >= 0, offsets[0] <= offsets[1], offsets[1] <= body.count,
                  offsets[1] - offsets[0] == count * dtype.byteSize
            else { throw fail("tensor '\(name)': data_offsets \(offsets) do not fit shape \(shape) and the file") }
            let bytes = body.subdata(in: offsets[0]..<offsets[1])
            entries.append((name, offsets[0], try Self.tensor(bytes, shape: shape, dtype: dtype)))
        }
        tensors = entries.sorted { $0.begin < $1.begin }.map { ($0.name, $0.tensor) }
    }

    private static func code(_ dtype: DType) -> String {
        switch dtype {
        case .float64: "F64"
        case .float32: "F32"
        case .int32: "I32"
        default: "\(dtype)"
        }
    }

    private static func dtype(_ code: String) -> DType? {
        switch code {
        case "F64": .float64
        case "F32": .float32
        case "I32": .int32
        default: nil
        }
    }

    private static func bytes(of tensor: Tensor) -> Data {
        switch tensor.dtype {
        case .float32: tensor.withUnsafeBufferPointer(as: Float.self) { Data(buffer: $0) }
        case .int32: tensor.withUnsafeBufferPointer(as: Int32.self) { Data(buffer: $0) }
        default: tensor.withUnsafeBufferPointer(as: Double.self) { Data(buffer: $0) }
        }
    }

    private static func tensor(_ bytes: Data, shape: [Int], dtype: DType) throws -> Tensor {
        switch dtype {
        case .float32:
            return try Tensor(float32: bytes.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, shape: shape)
        case .int32:
            return try Tensor(int32: bytes.withUnsafeBytes { Array($0.bindMemory(to: Int32.self)) }, shape: shape)
        default:
            return try Tensor(bytes.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }, shape: shape, dtype: .float64)
        }
    }
}
