// SwiftMACE, MIT licence.
// The self-test checks that need no GPU: SHA-256 vectors, kernel cache keys and files (with a stand-in compiler),
// allocator accounting over host memory, and the CPU matmul the GPU GEMMs are compared with.

import Support
import Foundation
import Tensors

/// Device memory stand-in backed by host `malloc`, so the caching allocator can run without a GPU.
public final class HostMemoryProvider: DeviceMemoryProvider, @unchecked Sendable {
    private let lock = NSLock()
    private var live: Set<UInt64> = []

    public init() {}

    /// Addresses handed out and not yet freed.
    public var liveCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return live.count
    }

    public func allocate(byteCount: Int) throws -> UInt64 {
        guard let pointer = malloc(byteCount) else {
            throw CUDAError.invalidArgument("host stand-in allocation of \(byteCount) bytes failed")
        }
        let address = UInt64(UInt(bitPattern: pointer))
        lock.lock()
        live.insert(address)
        lock.unlock()
        return address
    }

    public func free(address: UInt64) throws {
        lock.lock()
        let known = live.remove(address) != nil
        lock.unlock()
        guard known, let pointer = UnsafeMutableRawPointer(bitPattern: UInt(address)) else {
            throw CUDAError.invalidArgument("host stand-in free of unknown address 0x\(String(address, radix: 16))")
        }
        Foundation.free(pointer)
    }
}

/// Self-test checks that run on any machine.
public enum CPUSelftest {
    /// Runs the checks, reporting each as it finishes.
    /// - Returns: all results.
    @discardableResult
    public static func run(report: @escaping (SelftestResult) -> Void) -> [SelftestResult] {
        var run = SelftestRun(report: report)
        run.check("sha256") {
            let digest = SHA256.hexDigest(Array("abc".utf8))
            let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
            return (digest == expected, "sha256(\"abc\") = \(digest.prefix(16))…")
        }
        run.check("kernel cache") { try checkKernelCache() }
        run.check("caching allocator") { try checkAllocator() }
        run.check("cpu matmul") { try checkCPUMatmul() }
        return run.results
    }

    private static func checkKernelCache() throws -> (Bool, String) {
        let folder = NSTemporaryDirectory() + "swiftmace-selftest-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let compiler = KernelCompiler(identity: "stand-in 1", architecture: "sm_90") { source, _ in
            Array(source.code.utf8.reversed())
        }
        let source = KernelSource(name: "t.cu", code: "extern \"C\" __global__ void k() {}")
        let first = try KernelCache(compiler: compiler, directory: folder).image(for: source)
        let fresh = KernelCache(compiler: compiler, directory: folder)
        let second = try fresh.image(for: source)
        let third = try fresh.image(for: source)
        let origins = [first.origin, second.origin, third.origin]
        let passed = origins == [.compiled, .disk, .memory] && first.image == second.image && second.image == third.image
        return (passed, "origins \(origins.map(\.rawValue).joined(separator: ", "))")
    }

    private static func checkAllocator() throws -> (Bool, String) {
        let provider = HostMemoryProvider()
        let allocator = CachingAllocator(provider: provider)
        let blocks = try (0..<3).map { _ in try allocator.allocate(byteCount: 1000) }
        blocks.forEach(allocator.free)
        let reused = try (0..<3).map { _ in try allocator.allocate(byteCount: 700) }
        let statistics = allocator.statistics
        reused.forEach(allocator.free)
        try allocator.emptyCache()
        let passed = statistics.peakAllocatedBytes == 3 * 1024 && statistics.deviceAllocations == 3
            && statistics.cacheHits == 3 && provider.liveCount == 0 && allocator.statistics.reservedBytes == 0
        return (passed, "peak \(statistics.peakAllocatedBytes) B, \(statistics.deviceAllocations) allocations, "
            + "\(statistics.cacheHits) cache hits")
    }

    private static func checkCPUMatmul() throws -> (Bool, String) {
        var generator = SeededGenerator(seed: 7)
        let (m, n, k) = (5, 4, 3)
        let a = generator.doubles(m * k)
        let b = generator.doubles(k * n)
        let product = matmul(try Tensor(a, shape: [m, k]), try Tensor(b, shape: [k, n])).toArray()
        var reference = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                for p in 0..<k { reference[i * n + j] += a[i * k + p] * b[p * n + j] }
            }
        }
        let error = SelftestMath.relativeError(product, reference)
        return (error <= 1e-15, "relative error \(SelftestMath.scientific(error)) ≤ 1e-15")
    }
}
