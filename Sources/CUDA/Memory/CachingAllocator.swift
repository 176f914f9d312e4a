// SwiftMACE, MIT licence.
// CachingAllocator: device memory in size classes, with freed blocks kept per stream for reuse (no cuMemAlloc or
// cuMemFree, which synchronise the device, in steady state) and current/peak byte accounting.

import Foundation

/// Identifies the stream a block was allocated on; blocks are reused only on the same stream, where stream order
/// guarantees that the previous user's work is done before the next user's starts.
public struct StreamID: Hashable, Sendable {
    let raw: UInt
    /// The legacy default stream.
    public static let `default` = StreamID(raw: 0)
}

/// A block of device memory handed out by `CachingAllocator`.
public struct DeviceBlock: Sendable, Hashable {
    /// Device address of the first byte.
    public let address: UInt64
    /// Size of the block in bytes (the request rounded up to its size class).
    public let byteCount: Int
    /// The stream it was allocated on, and will be cached for when freed.
    public let stream: StreamID
}

/// Allocator counters, all in bytes except the counts.
public struct AllocatorStatistics: Sendable, Equatable {
    /// Bytes in blocks handed out and not yet freed (rounded sizes).
    public var allocatedBytes = 0
    /// The most `allocatedBytes` has been since creation or `resetPeak()`.
    public var peakAllocatedBytes = 0
    /// Bytes held from the device: allocated plus cached.
    public var reservedBytes = 0
    /// The most `reservedBytes` has been since creation or `resetPeak()`.
    public var peakReservedBytes = 0
    /// Calls to the provider's `allocate` (cache misses).
    public var deviceAllocations = 0
    /// Requests served from the cache.
    public var cacheHits = 0
}

/// A caching device allocator.
///
/// Requests are rounded up to a size class: multiples of 512 B up to 1 MiB; above, multiples of 1/16 of the next
/// power of two (under 12.5 % waste). A freed block goes to a free list keyed by (stream, size class) and serves
/// the next request of that class on that stream. When the device runs out of memory the allocator returns its
/// cached blocks and tries once more. Thread-safe.
public final class CachingAllocator: @unchecked Sendable {
    /// Largest request accepted (64 TiB): beyond any device, so a corrupt size fails here, not in the driver.
    public static let maxRequestBytes = 1 << 46

    private let provider: DeviceMemoryProvider
    private let lock = NSLock()
    private var freeBlocks: [FreeListKey: [UInt64]] = [:]
    private var liveBlocks: [UInt64: DeviceBlock] = [:]
    private var stats = AllocatorStatistics()

    private struct FreeListKey: Hashable {
        let stream: StreamID
        let byteCount: Int
    }

    /// Creates an allocator over `provider`.
    public init(provider: DeviceMemoryProvider) {
        self.provider = provider
    }

    /// The size class of a request of `byteCount` bytes (≥ 512).
    public static func roundedSize(_ byteCount: Int) -> Int {
        let small = 512
        let largeThreshold = 1 << 20
        let request = max(byteCount, 1)
        if request <= largeThreshold {
            return (request + small - 1) / small * small
        }
        let powerOfTwo = 1 << (Int.bitWidth - (request - 1).leadingZeroBitCount)
        let granularity = powerOfTwo / 16
        return (request + granularity - 1) / granularity * granularity
    }

    /// Hands out a block of at least `byteCount` bytes for use on `stream`.
    /// - Throws: `CUDAError.invalidArgument` for a negative or absurd size; the provider's error when the device
    ///   is out of memory even after the cache was returned to it.
    public func allocate(byteCount: Int, stream: StreamID = .default) throws -> DeviceBlock {
        guard byteCount >= 0, byteCount <= Self.maxRequestBytes else {
            throw CUDAError.invalidArgument(
                "device allocation of \(byteCount) bytes; expected 0...\(Self.maxRequestBytes)")
        }
        let size = Self.roundedSize(byteCount)
        let key = FreeListKey(stream: stream, byteCount: size)
        lock.lock()
        defer { lock.unlock() }
        if let address = freeBlocks[key]?.popLast() {
            stats.cacheHits += 1
            return handOut(DeviceBlock(address: address, byteCount: size, stream: stream))
        }
        let address: UInt64
        do {
            address = try provider.allocate(byteCount: size)
        } catch {
            try releaseCachedLocked()
            address = try provider.allocate(byteCount: size)
        }
        stats.deviceAllocations += 1
        stats.reservedBytes += size
        stats.peakReservedBytes = max(stats.peakReservedBytes, stats.reservedBytes)
        return handOut(DeviceBlock(address: address, byteCount: size, stream: stream))
    }

    /// Returns `block` to the cache of its stream. The caller must not use its memory afterwards except through
    /// work already queued on that stream.
    public func free(_ block: DeviceBlock) {
        lock.lock()
        defer { lock.unlock() }
        precondition(
            liveBlocks.removeValue(forKey: block.address) == block,
            "CachingAllocator.free: block at 0x\(String(block.address, radix: 16)) was not allocated here or was freed twice")
        stats.allocatedBytes -= block.byteCount
        freeBlocks[FreeListKey(stream: block.stream, byteCount: block.byteCount), default: []].append(block.address)
    }

    /// Returns every cached (free) block to the device. Blocks in use are untouched.
    public func emptyCache() throws {
        lock.lock()
        defer { lock.unlock() }
        try releaseCachedLocked()
    }

    /// The counters now.
    public var statistics: AllocatorStatistics {
        lock.lock()
        defer { lock.unlock() }
        return stats
    }

    /// Bytes in use now (rounded sizes of blocks not yet freed).
    public var currentBytes: Int { statistics.allocatedBytes }

    /// The most bytes in use at once since creation or `resetPeak()`.
    public var peakBytes: Int { statistics.peakAllocatedBytes }

    /// Starts a new peak measurement: both peaks become the current values.
    public func resetPeak() {
        lock.lock()
        defer { lock.unlock() }
        stats.peakAllocatedBytes = stats.allocatedBytes
        stats.peakReservedBytes = stats.reservedBytes
    }

    private func handOut(_ block: DeviceBlock) -> DeviceBlock {
        liveBlocks[block.address] = block
        stats.allocatedBytes += block.byteCount
        stats.peakAllocatedBytes = max(stats.peakAllocatedBytes, stats.allocatedBytes)
        return block
    }

    private func releaseCachedLocked() throws {
        // Remove each block from the cache before freeing it, so a failure part-way leaves consistent counts.
        for key in Array(freeBlocks.keys) {
            while let address = freeBlocks[key]?.popLast() {
                stats.reservedBytes -= key.byteCount
                try provider.free(address: address)
            }
            freeBlocks[key] = nil
        }
    }
}
