// SwiftMACE, MIT licence.
// Buffer: one 64-byte-aligned block of CPU memory owned by a class, shared by tensors that view it. Large blocks
// are recycled through `BlockCache` so repeated passes of the same shapes never fault in fresh pages.

import Foundation

/// Raw storage for tensor elements. Written only by the kernel that creates it, read-only after:
/// that is what makes sharing one buffer between tensors (reshape) and threads safe.
final class Buffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int

    /// Uninitialised storage; the caller fills every byte before the buffer is shared.
    init(byteCount: Int) {
        self.byteCount = byteCount
        pointer = BlockCache.shared.allocate(byteCount: byteCount)
    }

    /// Zero-filled storage.
    static func zeroed(byteCount: Int) -> Buffer {
        let buffer = Buffer(byteCount: byteCount)
        buffer.pointer.initializeMemory(as: UInt8.self, repeating: 0, count: byteCount)
        return buffer
    }

    func typed<T>(_: T.Type) -> UnsafeMutablePointer<T> { pointer.assumingMemoryBound(to: T.self) }

    deinit { BlockCache.shared.release(pointer, byteCount: byteCount) }
}

/// Freed blocks of at least ``minimumBytes``, kept by size class (whole 64 KiB units) up to ``capacityBytes`` in
/// all and handed out again for the same class. The allocator returns such blocks to the kernel at once (mmap), so
/// without this every large intermediate of a force evaluation (e.g. the radial-MLP output, ~100 MB for 10k edges)
/// would be faulted in page by page on every pass.
final class BlockCache: @unchecked Sendable {
    static let shared = BlockCache()
    static let minimumBytes = 1 << 18
    static let capacityBytes = 1 << 30
    private static let unit = 1 << 16

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var cachedBytes = 0

    private static func sizeClass(_ byteCount: Int) -> Int? {
        byteCount >= minimumBytes ? (byteCount + unit - 1) / unit * unit : nil
    }

    func allocate(byteCount: Int) -> UnsafeMutableRawPointer {
        guard let size = Self.sizeClass(byteCount) else {
            return UnsafeMutableRawPointer.allocate(byteCount: max(byteCount, 1), alignment: 64)
        }
        let reused: UnsafeMutableRawPointer? = lock.withLock {
            guard let pointer = free[size]?.popLast() else { return nil }
            cachedBytes -= size
            return pointer
        }
        return reused ?? UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
    }

    func release(_ pointer: UnsafeMutableRawPointer, byteCount: Int) {
        guard let size = Self.sizeClass(byteCount) else { return pointer.deallocate() }
        let kept: Bool = lock.withLock {
            guard cachedBytes + size <= Self.capacityBytes else { return false }
            free[size, default: []].append(pointer)
            cachedBytes += size
            return true
        }
        if !kept { pointer.deallocate() }
    }
}
