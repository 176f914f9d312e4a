// SwiftMACE, MIT licence.
// CachingAllocator bookkeeping over a fake device: size classes, reuse per stream, current/peak bytes, emptyCache,
// and the retry after an out-of-memory failure.

import Foundation
import Testing

@testable import CUDA

/// A fake device with `capacity` bytes: hands out increasing addresses and fails like cuMemAlloc when full.
final class FakeDeviceMemory: DeviceMemoryProvider, @unchecked Sendable {
    private let lock = NSLock()
    private var next: UInt64 = 0x1000
    private(set) var live: [UInt64: Int] = [:]
    private(set) var frees = 0
    let capacity: Int

    init(capacity: Int = 1 << 40) { self.capacity = capacity }

    var liveBytes: Int { lock.withLock { live.values.reduce(0, +) } }

    func allocate(byteCount: Int) throws -> UInt64 {
        try lock.withLock {
            guard live.values.reduce(0, +) + byteCount <= capacity else {
                throw CUDAError.driver(
                    call: "cuMemAlloc_v2(\(byteCount) bytes)", code: 2, name: "CUDA_ERROR_OUT_OF_MEMORY",
                    message: "out of memory")
            }
            let address = next
            next += UInt64(byteCount)
            live[address] = byteCount
            return address
        }
    }

    func free(address: UInt64) throws {
        lock.withLock {
            live[address] = nil
            frees += 1
        }
    }
}

/// (request, size class) pairs: 512 B steps to 1 MiB, then 1/16 of the next power of two.
private let sizeClassTable: [(Int, Int)] = [
    (0, 512), (1, 512), (512, 512), (513, 1024), (1_048_576, 1_048_576), (1_048_577, 1_179_648),
    (3_145_728, 3_145_728), (3_145_729, 3_407_872), (1_073_741_824, 1_073_741_824),
]

@Suite struct CachingAllocatorTests {
    @Test(arguments: sizeClassTable)
    func roundsToSizeClasses(request: Int, expected: Int) {
        #expect(CachingAllocator.roundedSize(request) == expected)
    }

    @Test func sizeClassesWasteUnderOneEighth() {
        for request in stride(from: (1 << 20) + 1, to: 1 << 28, by: 987_654) {
            let rounded = CachingAllocator.roundedSize(request)
            #expect(rounded >= request && Double(rounded - request) < Double(request) / 8)
        }
    }

    @Test func freedBlocksAreReusedOnTheSameStream() throws {
        let device = FakeDeviceMemory()
        let allocator = CachingAllocator(provider: device)
        let first = try allocator.allocate(byteCount: 4000)
        allocator.free(first)
        let second = try allocator.allocate(byteCount: 3900)
        #expect(second.address == first.address && second.byteCount == 4096)
        #expect(allocator.statistics.deviceAllocations == 1 && allocator.statistics.cacheHits == 1)
    }

    @Test func freedBlocksAreNotReusedOnAnotherStream() throws {
        let allocator = CachingAllocator(provider: FakeDeviceMemory())
        let block = try allocator.allocate(byteCount: 4096, stream: StreamID(raw: 1))
        allocator.free(block)
        let other = try allocator.allocate(byteCount: 4096, stream: StreamID(raw: 2))
        #expect(other.address != block.address)
        #expect(allocator.statistics.deviceAllocations == 2 && allocator.statistics.cacheHits == 0)
    }

    @Test func tracksCurrentAndPeakBytes() throws {
        let allocator = CachingAllocator(provider: FakeDeviceMemory())
        let a = try allocator.allocate(byteCount: 1000)  // 1024
        let b = try allocator.allocate(byteCount: 5000)  // 5120
        allocator.free(a)
        let c = try allocator.allocate(byteCount: 100)  // 512
        #expect(allocator.currentBytes == 5120 + 512)
        #expect(allocator.peakBytes == 1024 + 5120)
        #expect(allocator.statistics.reservedBytes == 1024 + 5120 + 512)
        allocator.resetPeak()
        #expect(allocator.peakBytes == 5120 + 512)
        allocator.free(b)
        allocator.free(c)
        #expect(allocator.currentBytes == 0 && allocator.peakBytes == 5120 + 512)
        #expect(allocator.statistics.peakReservedBytes == 1024 + 5120 + 512)
    }

    @Test func emptyCacheReturnsOnlyFreeBlocks() throws {
        let device = FakeDeviceMemory()
        let allocator = CachingAllocator(provider: device)
        let kept = try allocator.allocate(byteCount: 2048)
        allocator.free(try allocator.allocate(byteCount: 8192))
        allocator.free(try allocator.allocate(byteCount: 700))
        #expect(device.liveBytes == 2048 + 8192 + 1024)
        try allocator.emptyCache()
        #expect(device.liveBytes == 2048 && device.frees == 2)
        #expect(allocator.statistics.reservedBytes == 2048 && allocator.currentBytes == 2048)
        allocator.free(kept)
    }

    @Test func outOfMemoryReturnsTheCacheAndRetries() throws {
        let device = FakeDeviceMemory(capacity: 3 << 20)
        let allocator = CachingAllocator(provider: device)
        allocator.free(try allocator.allocate(byteCount: 2 << 20))
        let large = try allocator.allocate(byteCount: (2 << 20) + 1)  // does not fit beside the cached 2 MiB
        #expect(device.frees == 1 && device.liveBytes == large.byteCount)
        #expect(throws: CUDAError.driver(
            call: "cuMemAlloc_v2(2359296 bytes)", code: 2, name: "CUDA_ERROR_OUT_OF_MEMORY", message: "out of memory")
        ) {
            _ = try allocator.allocate(byteCount: (2 << 20) + 1)
        }
        #expect(allocator.currentBytes == large.byteCount)
    }

    @Test func rejectsNegativeAndAbsurdSizes() {
        let allocator = CachingAllocator(provider: FakeDeviceMemory())
        #expect(throws: CUDAError.invalidArgument("device allocation of -1 bytes; expected 0...70368744177664")) {
            _ = try allocator.allocate(byteCount: -1)
        }
        #expect(throws: CUDAError.self) { _ = try allocator.allocate(byteCount: 1 << 50) }
    }

    @Test func hostStandInRunsTheAllocatorWithoutAGPU() throws {
        let provider = HostMemoryProvider()
        let allocator = CachingAllocator(provider: provider)
        let blocks = try (0..<4).map { _ in try allocator.allocate(byteCount: 10_000) }
        blocks.forEach(allocator.free)
        try allocator.emptyCache()
        #expect(provider.liveCount == 0)
    }
}
