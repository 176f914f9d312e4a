// SwiftMACE, MIT licence.
// SafetensorsTestReader: a minimal reader of the .safetensors container (docs/MODEL_FORMAT.md §1) for tests that
// compare with tensors of exported mace models; the model loader proper belongs to the MACE target.

import Foundation

/// Reads tensors of a `.safetensors` file by name. Test use only: trusts the fixture and throws on anything odd.
public struct SafetensorsTestReader {
    public struct Entry {
        public let dtype: String
        public let shape: [Int]
        let begin: Int
        let end: Int
    }

    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    private let data: Data
    private let dataStart: Int
    public let entries: [String: Entry]
    /// The `__metadata__` strings.
    public let metadata: [String: String]

    public init(contentsOf url: URL) throws {
        let data = try Data(contentsOf: url)
        guard data.count >= 8 else { throw ReadError(description: "\(url.lastPathComponent): shorter than 8 bytes") }
        let headerLength = data.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        guard headerLength <= data.count - 8,
            let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + headerLength)))
                as? [String: Any]
        else { throw ReadError(description: "\(url.lastPathComponent): bad header") }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in header {
            guard let object = value as? [String: Any] else { continue }
            if name == "__metadata__" {
                metadata = object.compactMapValues { $0 as? String }
                continue
            }
            guard let dtype = object["dtype"] as? String, let shape = object["shape"] as? [Int],
                let offsets = object["data_offsets"] as? [Int], offsets.count == 2
            else { throw ReadError(description: "\(url.lastPathComponent): bad entry '\(name)'") }
            entries[name] = Entry(dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
        }
        self.data = data
        self.dataStart = 8 + headerLength
        self.entries = entries
        self.metadata = metadata
    }

    /// A float tensor (`F64` or `F32`) as Doubles, row-major, with its shape.
    public func doubles(_ name: String) throws -> (shape: [Int], values: [Double]) {
        let entry = try entry(name)
        let bytes = data.subdata(in: (dataStart + entry.begin)..<(dataStart + entry.end))
        switch entry.dtype {
        case "F64":
            return (entry.shape, stride(from: 0, to: bytes.count, by: 8).map { offset in
                Double(bitPattern: bytes[(bytes.startIndex + offset)..<(bytes.startIndex + offset + 8)]
                    .reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
            })
        case "F32":
            return (entry.shape, stride(from: 0, to: bytes.count, by: 4).map { offset in
                Double(Float(bitPattern: bytes[(bytes.startIndex + offset)..<(bytes.startIndex + offset + 4)]
                    .reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
            })
        default: throw ReadError(description: "'\(name)' has dtype \(entry.dtype); expected F64 or F32")
        }
    }

    /// An integer tensor (`I32` or `I64`), row-major.
    public func integers(_ name: String) throws -> [Int] {
        let entry = try entry(name)
        let bytes = data.subdata(in: (dataStart + entry.begin)..<(dataStart + entry.end))
        let width: Int
        switch entry.dtype {
        case "I32": width = 4
        case "I64": width = 8
        default: throw ReadError(description: "'\(name)' has dtype \(entry.dtype); expected I32 or I64")
        }
        return stride(from: 0, to: bytes.count, by: width).map { offset in
            let raw = bytes[(bytes.startIndex + offset)..<(bytes.startIndex + offset + width)]
                .reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return width == 4 ? Int(Int32(bitPattern: UInt32(raw))) : Int(Int64(bitPattern: raw))
        }
    }

    /// A sparse-stored tensor `X` (`X.sparse_indices`, `X.sparse_values`; MODEL_FORMAT.md §2) made dense.
    public func denseFromSparse(_ name: String, shape: [Int]) throws -> [Double] {
        let indices = try integers(name + ".sparse_indices")
        let values = try doubles(name + ".sparse_values").values
        var dense = [Double](repeating: 0, count: shape.reduce(1, *))
        for (index, value) in zip(indices, values) {
            guard dense.indices.contains(index) else { throw ReadError(description: "'\(name)': index \(index)") }
            dense[index] = value
        }
        return dense
    }

    private func entry(_ name: String) throws -> Entry {
        guard let entry = entries[name], entry.begin >= 0, entry.begin <= entry.end,
            dataStart + entry.end <= data.count
        else { throw ReadError(description: "no valid tensor '\(name)'") }
        return entry
    }
}
