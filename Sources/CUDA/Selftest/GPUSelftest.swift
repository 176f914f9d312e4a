// SwiftMACE, MIT licence.
// The GPU self-test: device info, NVRTC compile and cache hits, proof kernels against the CPU (Tensors), cuBLAS
// GEMM per dtype against float64 references, graph replay against direct launches, allocator peak accounting.

import Support
import Foundation
import Tensors

/// Self-test checks that need a CUDA device.
public enum GPUSelftest {
    /// Runs every GPU check on `context`, reporting each as it finishes. Inputs are fresh random values from `seed`.
    /// - Returns: all results.
    @discardableResult
    public static func run(
        context: CUDAContext, seed: UInt64 = UInt64(Date().timeIntervalSince1970 * 1000),
        report: @escaping (SelftestResult) -> Void
    ) -> [SelftestResult] {
        var run = SelftestRun(report: report)
        var generator = SeededGenerator(seed: seed)
        run.check("device") { (true, "\(context.device); seed \(seed)") }
        let folder = NSTemporaryDirectory() + "swiftmace-selftest-kernels-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var kernels: ProofKernelSet?
        run.check("nvrtc compile and cache") {
            let compiler = try KernelCompiler.nvrtc(architecture: context.device.architecture)
            let start = Date()
            let first = try KernelCache(compiler: compiler, directory: folder).image(for: ProofKernels.source)
            let compileMilliseconds = Date().timeIntervalSince(start) * 1000
            let cache = KernelCache(compiler: compiler, directory: folder)
            let second = try cache.image(for: ProofKernels.source)
            let third = try cache.image(for: ProofKernels.source)
            kernels = try ProofKernelSet(context: context, cache: cache)
            let origins = [first.origin, second.origin, third.origin]
            let passed = origins == [.compiled, .disk, .memory] && first.image == second.image
            return (passed, "\(compiler.identity), \(compiler.architecture), \(first.image.count) B cubin in "
                + "\(String(format: "%.0f", compileMilliseconds)) ms; origins "
                + origins.map(\.rawValue).joined(separator: ", "))
        }
        run.check("nvrtc error log") {
            let compiler = try KernelCompiler.nvrtc(architecture: context.device.architecture)
            do {
                _ = try compiler.compile(ProofKernels.brokenSource)
                return (false, "broken source compiled")
            } catch CUDAError.compilation(let log) {
                return (log.contains("undeclared_name"), "log names the error: \(log.split(separator: "\n").last ?? "")")
            }
        }
        guard let kernels, let stream = try? CUDAStream(context: context) else { return run.results }
        let checks = KernelChecks(context: context, kernels: kernels, stream: stream)
        for precision in ProofPrecision.allCases {
            run.check("axpy \(precision)") { try checks.axpy(precision, &generator) }
            run.check("silu forward+backward \(precision)") { try checks.silu(precision, &generator) }
        }
        run.check("deterministic block sum float64") { try checks.blockSum(&generator) }
        run.check("graph replay equals direct launches") { try checks.graphReplay(&generator) }
        run.check("event timing") { try checks.eventTiming() }
        run.check("pinned host copies") { try checks.pinnedRoundTrip(&generator) }
        run.check("allocator peak accounting") { try checks.allocatorAccounting() }
        let blas: CuBLAS
        do {
            blas = try CuBLAS(context: context)
        } catch {
            run.check("cublas") { throw error }
            return run.results
        }
        let gemm = GEMMChecks(context: context, blas: blas, stream: stream)
        run.check("cublas") { (true, "version \(blas.version)") }
        for gemmCase in GEMMChecks.cases {
            run.check("gemm \(gemmCase.label)") { try gemm.check(gemmCase, &generator) }
        }
        return run.results
    }
}
