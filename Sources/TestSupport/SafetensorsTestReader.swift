// SwiftMACE, MIT licence.
// SafetensorsTestReader: fixture access for tests that compare with tensors of exported mace models, on top of the
// MACE target's `SafetensorsFile` (the one safetensors parser of the package).

import Foundation
import MACE

/// Reads tensors of a `.safetensors` fixture by name, as Doubles or Ints, with sparse entries made dense.
public struct SafetensorsTestReader {
    public struct ReadError: Error, CustomStringConvertible {
        public let description: String
    }

    private let file: SafetensorsFile
    /// The `__metadata__` strings.
    public var metadata: [String: String] { file.metadata }

    public init(contentsOf url: URL) throws {
        file = try SafetensorsFile(contentsOf: url)
    }

    /// A float tensor (`F64` or `F32`) as Doubles, row-major, with its shape.
    public func doubles(_ name: String) throws -> (shape: [Int], values: [Double]) {
        let tensor = try file.tensor(name)
        guard tensor.dtype.isFloatingPoint else {
            throw ReadError(description: "'\(name)' has dtype \(tensor.dtype.rawValue); expected F64 or F32")
        }
        return (tensor.shape, tensor.doubles())
    }

    /// An integer tensor (`I32` or `I64`), row-major.
    public func integers(_ name: String) throws -> [Int] {
        let tensor = try file.tensor(name)
        guard tensor.dtype == .int32 || tensor.dtype == .int64 else {
            throw ReadError(description: "'\(name)' has dtype \(tensor.dtype.rawValue); expected I32 or I64")
        }
        return tensor.integers()
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
}
