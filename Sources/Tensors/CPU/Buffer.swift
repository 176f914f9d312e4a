// SwiftMACE, MIT licence.
// Buffer: one 64-byte-aligned block of CPU memory owned by a class, shared by tensors that view it.

/// Raw storage for tensor elements. Written only by the kernel that creates it, read-only after:
/// that is what makes sharing one buffer between tensors (reshape) and threads safe.
final class Buffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    /// Uninitialised storage; the caller fills every byte before the buffer is shared.
    init(byteCount: Int) {
        self.byteCount = byteCount
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
    }

    /// Zero-filled storage.
    static func zeroed(byteCount: Int) -> Buffer {
        let buffer = Buffer(byteCount: byteCount)
        buffer.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        return buffer
    }

    func typed<T>(_: T.Type) -> UnsafeMutablePointer<T> { pointer.assumingMemoryBound(to: T.self) }

    deinit { pointer.deallocate() }
}
