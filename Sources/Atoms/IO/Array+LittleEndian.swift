// SwiftMACE, MIT licence.
// Bounds-checked little-endian integer reads from a byte array, shared by the npy and zip parsers: every
// read of a length or offset from a file goes through these, so a corrupt field can never index past the end.

extension Array where Element == UInt8 {
    /// The little-endian integer of type `T` at `offset`, or `nil` when it does not lie wholly inside the array.
    func littleEndian<T: FixedWidthInteger & UnsignedInteger>(_: T.Type, at offset: Int) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count - size else { return nil }
        var value: T = 0
        for index in 0..<size { value |= T(self[offset + index]) << (8 * index) }
        return value
    }

    /// Whether `length` bytes starting at `offset` lie inside the array (false on negative or overflowing input).
    func contains(offset: Int, length: Int) -> Bool {
        guard offset >= 0, length >= 0 else { return false }
        let (end, overflow) = offset.addingReportingOverflow(length)
        return !overflow && end <= count
    }
}
