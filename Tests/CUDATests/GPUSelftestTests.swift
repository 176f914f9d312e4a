// SwiftMACE, MIT licence.
// The GPU checks (driver, NVRTC, kernels vs CPU, cuBLAS, graphs, allocator) as a test, where a GPU exists; and the
// CPU-only self-test everywhere.

import Testing

@testable import CUDA

@Suite struct GPUSelftestTests {
    @Test func cpuSelftestPasses() {
        let results = CPUSelftest.run { _ in }
        #expect(results.count == 4)
        #expect(results.filter { !$0.passed }.isEmpty, "\(results.filter { !$0.passed }.map(\.line))")
    }

    @Test(.enabled(if: GPUAvailability.context != nil, "no CUDA driver or device on this machine"))
    func gpuSelftestPasses() throws {
        let context = try #require(GPUAvailability.context)
        let results = GPUSelftest.run(context: context) { _ in }
        #expect(results.filter { !$0.passed }.isEmpty, "\(results.filter { !$0.passed }.map(\.line))")
    }

    @Test func resultLinesSayPassOrFail() {
        #expect(SelftestResult(name: "gemm tf32", passed: true, detail: "ok").line == "PASS gemm tf32: ok")
        #expect(SelftestResult(name: "x", passed: false, detail: "bad").line == "FAIL x: bad")
    }

    @Test func bfloat16RoundsToNearestEven() {
        #expect(SelftestMath.bfloat16Bits(1.0) == 0x3F80)
        #expect(SelftestMath.float(bfloat16Bits: SelftestMath.bfloat16Bits(1 + 1.0 / 256)) == 1.0)  // tie → even
        #expect(SelftestMath.float(bfloat16Bits: SelftestMath.bfloat16Bits(1 + 3.0 / 256)) == 1 + 4.0 / 256)
    }
}
