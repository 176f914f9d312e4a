// SwiftMACE, MIT licence.
// Kernel cache keys (stable, sensitive to source, options, architecture, compiler) and files (atomic, checked,
// rewritten when corrupt), with a stand-in compiler so no NVRTC is needed.

import Foundation
import Support
import Testing

@testable import CUDA

/// A stand-in compiler that counts its calls; its "image" is the source reversed.
final class CountingCompiler: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var calls: Int { lock.withLock { count } }

    func compiler(identity: String = "stand-in 1.0", architecture: String = "sm_90") -> KernelCompiler {
        KernelCompiler(identity: identity, architecture: architecture) { [self] source, options in
            lock.withLock { count += 1 }
            if source.code.contains("syntax error") {
                throw CUDAError.compilation(log: "\(source.name)(1): error: syntax error")
            }
            return Array((options.joined(separator: " ") + "|" + source.code).utf8.reversed())
        }
    }
}

@Suite struct KernelCacheTests {
    let source = KernelSource(name: "axpy.cu", code: "extern \"C\" __global__ void axpy() {}", options: ["-lineinfo"])

    func temporaryFolder() -> String {
        NSTemporaryDirectory() + "swiftmace-kernelcache-test-\(UUID().uuidString)"
    }

    @Test func keyIsStableAcrossCaches() {
        let first = KernelCache(compiler: CountingCompiler().compiler(), directory: nil).key(for: source)
        let second = KernelCache(compiler: CountingCompiler().compiler(), directory: "/elsewhere").key(for: source)
        #expect(first == second)
        #expect(first.count == 64 && first.allSatisfy { $0.isHexDigit })
    }

    @Test func keyChangesWithSourceOptionsArchitectureAndCompiler() {
        let cache = KernelCache(compiler: CountingCompiler().compiler(), directory: nil)
        var otherCode = source
        otherCode.code += " "
        var otherOptions = source
        otherOptions.options = ["-lineinfo", "--use_fast_math"]
        var otherName = source
        otherName.name = "axpy2.cu"
        let keys = [
            cache.key(for: source), cache.key(for: otherCode), cache.key(for: otherOptions),
            cache.key(for: otherName),
            KernelCache(compiler: CountingCompiler().compiler(architecture: "sm_80"), directory: nil).key(for: source),
            KernelCache(compiler: CountingCompiler().compiler(identity: "stand-in 2.0"), directory: nil)
                .key(for: source),
        ]
        #expect(Set(keys).count == keys.count)
    }

    @Test func optionBoundariesAreUnambiguous() {
        let cache = KernelCache(compiler: CountingCompiler().compiler(), directory: nil)
        let joined = KernelSource(name: "k.cu", code: "x", options: ["-a -b"])
        let split = KernelSource(name: "k.cu", code: "x", options: ["-a", "-b"])
        #expect(cache.key(for: joined) != cache.key(for: split))
    }

    @Test func standardOptionsTargetTheArchitecture() {
        let compiler = CountingCompiler().compiler(architecture: "sm_90")
        #expect(compiler.options(for: source)
            == ["--gpu-architecture=sm_90", "-default-device", "--std=c++17", "-lineinfo"])
    }

    @Test func compilesOnceThenServesDiskThenMemory() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let counter = CountingCompiler()
        let first = try KernelCache(compiler: counter.compiler(), directory: folder).image(for: source)
        let cache = KernelCache(compiler: counter.compiler(), directory: folder)
        let second = try cache.image(for: source)
        let third = try cache.image(for: source)
        #expect([first.origin, second.origin, third.origin] == [.compiled, .disk, .memory])
        #expect(first.image == second.image && second.image == third.image)
        #expect(counter.calls == 1)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files == [cache.key(for: source) + ".cubin"])  // no temporary files left behind
        let stored = try #require(FileManager.default.contents(atPath: folder + "/" + files[0]))
        #expect([UInt8](stored) == KernelCache.fileContent(for: first.image))
    }

    @Test func corruptFileIsRecompiledAndRewritten() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let counter = CountingCompiler()
        let cache = KernelCache(compiler: counter.compiler(), directory: folder)
        let image = try cache.image(for: source).image
        let path = try #require(cache.path(forKey: cache.key(for: source)))
        var bytes = KernelCache.fileContent(for: image)
        bytes[bytes.count - 1] ^= 0x01
        try AtomicFile.write(Data(bytes), to: path)
        #expect(KernelCache.readImage(path: path) == nil)
        let fresh = try KernelCache(compiler: counter.compiler(), directory: folder).image(for: source)
        #expect(fresh.origin == .compiled && fresh.image == image)
        #expect(KernelCache.readImage(path: path) == image)
        try AtomicFile.write(Data(bytes.prefix(10)), to: path)  // truncated
        #expect(KernelCache.readImage(path: path) == nil)
    }

    @Test func compilationErrorCarriesTheLogAndCachesNothing() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cache = KernelCache(compiler: CountingCompiler().compiler(), directory: folder)
        let broken = KernelSource(name: "bad.cu", code: "syntax error")
        #expect(throws: CUDAError.compilation(log: "bad.cu(1): error: syntax error")) {
            _ = try cache.image(for: broken)
        }
        #expect(!FileManager.default.fileExists(atPath: folder))
        #expect(CUDAError.compilation(log: "bad.cu(1): error: syntax error").description
            == "NVRTC compilation failed:\nbad.cu(1): error: syntax error")
    }

    @Test func dumpsSourceWithOptionsWhenAsked() throws {
        let dump = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: dump) }
        let cache = KernelCache(
            compiler: CountingCompiler().compiler(), environment: ["SWIFTMACE_DUMP_KERNELS": dump, "HOME": ""])
        #expect(cache.directory == nil)
        _ = try cache.image(for: source)
        let key = cache.key(for: source)
        let text = try String(contentsOfFile: dump + "/axpy-\(key.prefix(16)).cu", encoding: .utf8)
        #expect(text == "// axpy.cu, key \(key)\n// options: --gpu-architecture=sm_90 -default-device --std=c++17 "
            + "-lineinfo\n" + source.code)
    }

    @Test func unwritableFolderWarnsButStillCompiles() throws {
        let blocker = temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: blocker) }
        try AtomicFile.write("a file, not a folder", to: blocker)
        let cache = KernelCache(compiler: CountingCompiler().compiler(), directory: blocker + "/kernels")
        #expect(try cache.image(for: source).origin == .compiled)
        #expect(cache.warnings.count == 1)
        #expect(cache.warnings.first?.hasPrefix("kernel cache not written: \(blocker)/kernels: kernel cache: ") == true)
    }

    @Test func defaultFolderFollowsEnvironment() {
        #expect(KernelCache.defaultDirectory(environment: ["SWIFTMACE_KERNEL_CACHE": "/c", "HOME": "/h"]) == "/c")
        #expect(KernelCache.defaultDirectory(environment: ["HOME": "/h"]) == "/h/.cache/swiftmace/kernels")
        #expect(KernelCache.defaultDirectory(environment: [:]) == nil)
    }
}
