// SwiftMACE, MIT licence.
// NPYDType: the element types the npy parser decodes, from numpy's descr strings ('<f8', '|u1', '<U8', ...).

import Support

/// A supported npy element type and how to decode it.
enum NPYDType: Equatable {
    case float64, float32
    case signed(size: Int)
    case unsigned(size: Int)
    case bool
    /// Fixed-width unicode of `characters` UTF-32 code units.
    case unicode(characters: Int)

    static let supportedList = "<f8, <f4, <i8, <i4, <i2, |i1, <u8, <u4, <u2, |u1, |b1, <U"

    init(descr: String, at location: InputLocation) throws {
        guard let order = descr.first, "<>|=".contains(order), descr.count >= 2 else {
            throw AtomsError.unsupportedFormat(location, reason: "dtype '\(descr)'; supported: \(Self.supportedList)")
        }
        let kind = descr.dropFirst().prefix(1)
        guard let size = Int(descr.dropFirst(2)), size > 0 else {
            throw AtomsError.unsupportedFormat(location, reason: "dtype '\(descr)'; supported: \(Self.supportedList)")
        }
        let parsed: NPYDType? =
            switch (kind, size) {
            case ("f", 8): .float64
            case ("f", 4): .float32
            case ("i", 1), ("i", 2), ("i", 4), ("i", 8): .signed(size: size)
            case ("u", 1), ("u", 2), ("u", 4), ("u", 8): .unsigned(size: size)
            case ("b", 1): .bool
            case ("U", _) where size <= Int.max / 4: .unicode(characters: size)
            default: nil
            }
        guard let parsed else {
            throw AtomsError.unsupportedFormat(location, reason: "dtype '\(descr)'; supported: \(Self.supportedList)")
        }
        // Byte order matters only for elements wider than one byte ('>u1' and '|u1' are the same).
        if order == ">" && parsed.itemSize > 1 {
            throw AtomsError.unsupportedFormat(
                location, reason: "big-endian dtype '\(descr)'; only little-endian arrays are supported")
        }
        self = parsed
    }

    /// Bytes per element.
    var itemSize: Int {
        switch self {
        case .float64: 8
        case .float32: 4
        case .signed(let size), .unsigned(let size): size
        case .bool: 1
        case .unicode(let characters): 4 * characters
        }
    }

    /// Decodes `count` elements from `raw`, which holds exactly `count * itemSize` bytes.
    func decode(_ raw: UnsafeRawBufferPointer, count: Int, at location: InputLocation) throws -> NPYArray.Values {
        switch self {
        case .float64:
            return .reals((0..<count).map { Double(bitPattern: load(UInt64.self, raw, $0 * 8)) })
        case .float32:
            return .reals((0..<count).map { Double(Float(bitPattern: load(UInt32.self, raw, $0 * 4))) })
        case .signed(1): return .integers((0..<count).map { Int(Int8(bitPattern: raw[$0])) })
        case .signed(2): return .integers((0..<count).map { Int(Int16(bitPattern: load(UInt16.self, raw, $0 * 2))) })
        case .signed(4): return .integers((0..<count).map { Int(Int32(bitPattern: load(UInt32.self, raw, $0 * 4))) })
        case .signed: return .integers((0..<count).map { Int(Int64(bitPattern: load(UInt64.self, raw, $0 * 8))) })
        case .unsigned(1): return .integers((0..<count).map { Int(raw[$0]) })
        case .unsigned(2): return .integers((0..<count).map { Int(load(UInt16.self, raw, $0 * 2)) })
        case .unsigned(4): return .integers((0..<count).map { Int(load(UInt32.self, raw, $0 * 4)) })
        case .unsigned:
            var values: [Int] = []
            values.reserveCapacity(count)
            for index in 0..<count {
                let value = load(UInt64.self, raw, index * 8)
                guard let exact = Int(exactly: value) else {
                    throw AtomsError.malformed(location, found: "\(value)", expected: "an integer below 2^63")
                }
                values.append(exact)
            }
            return .integers(values)
        case .bool: return .integers((0..<count).map { raw[$0] == 0 ? 0 : 1 })
        case .unicode(let characters):
            return .strings(try (0..<count).map { try string(raw, at: $0 * characters * 4, characters, location) })
        }
    }

    private func load<T: FixedWidthInteger>(_: T.Type, _ raw: UnsafeRawBufferPointer, _ offset: Int) -> T {
        T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
    }

    /// One UTF-32LE element; numpy pads with NUL code units, which end the string.
    private func string(
        _ raw: UnsafeRawBufferPointer, at offset: Int, _ characters: Int, _ location: InputLocation
    ) throws -> String {
        var scalars = String.UnicodeScalarView()
        for index in 0..<characters {
            let code = load(UInt32.self, raw, offset + 4 * index)
            if code == 0 { break }
            guard let scalar = Unicode.Scalar(code) else {
                throw AtomsError.malformed(location, found: "code point \(code)", expected: "a unicode scalar")
            }
            scalars.append(scalar)
        }
        return String(scalars)
    }
}
