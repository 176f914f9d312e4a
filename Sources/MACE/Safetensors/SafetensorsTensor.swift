// SwiftMACE, MIT licence.
// SafetensorsTensor: one tensor of a safetensors file (dtype, shape, little-endian bytes) and its conversions
// to Swift numbers.

/// One tensor as stored in a safetensors file: row-major little-endian bytes of `dtype`.
public struct SafetensorsTensor: Sendable, Hashable {
    public let dtype: SafetensorsDType
    /// Dimensions, outermost first; `[]` is a scalar.
    public let shape: [Int]
    /// `elementCount · dtype.byteSize` bytes, little-endian, C order.
    public let bytes: [UInt8]

    /// A tensor from raw bytes; `bytes.count` must be `elementCount · dtype.byteSize` (checked by the caller).
    init(dtype: SafetensorsDType, shape: [Int], bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float64 (`F64`) tensor. - Precondition: `values.count` is the element count of `shape`.
    public init(float64 values: [Double], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "SafetensorsTensor: \(values.count) values for shape \(shape)")
        self.init(dtype: .float64, shape: shape, bytes: values.flatMap { Self.littleEndianBytes($0.bitPattern) })
    }

    /// A float32 (`F32`) tensor. - Precondition: `values.count` is the element count of `shape`.
    public init(float32 values: [Float], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "SafetensorsTensor: \(values.count) values for shape \(shape)")
        self.init(dtype: .float32, shape: shape, bytes: values.flatMap { Self.littleEndianBytes($0.bitPattern) })
    }

    /// An int64 (`I64`) tensor. - Precondition: `values.count` is the element count of `shape`.
    public init(int64 values: [Int], shape: [Int]) {
        precondition(values.count == shape.reduce(1, *), "SafetensorsTensor: \(values.count) values for shape \(shape)")
        self.init(dtype: .int64, shape: shape, bytes: values.flatMap { Self.littleEndianBytes(UInt64(bitPattern: Int64($0))) })
    }

    /// The number of elements.
    public var elementCount: Int { shape.reduce(1, *) }

    /// The elements as Double (integers and booleans converted exactly).
    public func doubles() -> [Double] {
        switch dtype {
        case .float64: return load(UInt64.self).map { Double(bitPattern: $0) }
        case .float32: return load(UInt32.self).map { Double(Float(bitPattern: $0)) }
        default: return integers().map(Double.init)
        }
    }

    /// The elements as Int; floats are truncated, booleans are 0 or 1.
    public func integers() -> [Int] {
        switch dtype {
        case .int64: return load(UInt64.self).map { Int(Int64(bitPattern: $0)) }
        case .int32: return load(UInt32.self).map { Int(Int32(bitPattern: $0)) }
        case .bool, .uint8: return bytes.map(Int.init)
        case .float64, .float32: return doubles().map { $0.isFinite ? Int(exactly: $0.rounded(.towardZero)) ?? 0 : 0 }
        }
    }

    private func load<T: FixedWidthInteger>(_ type: T.Type) -> [T] {
        let size = MemoryLayout<T>.size
        return bytes.withUnsafeBytes { raw in
            (0..<(raw.count / size)).map { T(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * size, as: T.self)) }
        }
    }

    private static func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }
}
