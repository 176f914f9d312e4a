// SwiftMACE, MIT licence.
// Tests of FusedWeightConvolutionSource on the CPU: the host-side A fragments and the kernels' order of loading h
// give h · W when multiplied as PTX's mma.m16n8k16 defines its fragments; the generator's limits. (The kernels
// themselves are checked against the float64 reference by the GPU self-test.)

import Support
import Testing
import TestSupport

@testable import Equivariance

@Suite struct FusedWeightConvolutionSourceTests {
    /// Emulates one warp's products for an 8-edge tile: the fragments as laid out for shared memory, the B registers
    /// as a lane loads them (lane 4g + t: edge g's h block t, words 2s and 2s + 1 at step s), each product the PTX
    /// m16n8k16 contraction of the documented register layouts. Every (edge, column) must be Σ_k h[k] W[k, column].
    @Test(arguments: [(64, 3, 64), (32, 2, 32)])
    func fragmentsAndLoadOrderGiveTheProduct(k: Int, paths: Int, channels: Int) throws {
        var generator = SeededGenerator(seed: 61)
        let columns = paths * channels
        // Small multiples of 1/8: exact in bfloat16, so the emulation is exact.
        let w = (0..<(k * columns)).map { _ in Double(Int.random(in: -16...16, using: &generator)) / 8 }
        let h = (0..<(8 * k)).map { _ in Double(Int.random(in: -16...16, using: &generator)) / 8 }
        let storage = HalfStorage.bfloat16
        let fragments = FusedWeightConvolutionSource.fragments(
            weights: w, inputWidth: k, paths: paths, channels: channels, storage: storage)
        #expect(fragments.count == w.count)
        let steps = k / 16
        func fragment(_ slice: Int, _ p: Int, _ m: Int, _ s: Int, _ lane: Int) -> [Double] {
            let base = ((((slice * paths + p) * 2 + m) * steps + s) * 32 + lane) * 8
            return (0..<8).map { storage.value(fragments[base + $0]) }
        }
        /// The lane's B registers at step s, as pairs of values: (b0, b1), (b2, b3).
        func bRegisters(_ lane: Int, _ s: Int) -> [Double] {
            let (g, t) = (lane >> 2, lane & 3)
            let block = Array(h[(g * k + t * k / 4)..<(g * k + (t + 1) * k / 4)])
            return Array(block[(4 * s)..<(4 * s + 4)])
        }
        for slice in 0..<(channels / FusedWeightConvolutionSource.slice) {
            for p in 0..<paths {
                for m in 0..<2 {
                    var d = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 16)
                    for s in 0..<steps {
                        // Rebuild A (16 × 16) and B (16 × 8) from the registers by the PTX layouts.
                        var a = [[Double]](repeating: [Double](repeating: 0, count: 16), count: 16)
                        var b = [[Double]](repeating: [Double](repeating: 0, count: 8), count: 16)
                        for lane in 0..<32 {
                            let (g, t) = (lane >> 2, lane & 3)
                            let r = fragment(slice, p, m, s, lane)
                            for (i, (row, col)) in [
                                (g, 2 * t), (g, 2 * t + 1), (g + 8, 2 * t), (g + 8, 2 * t + 1),
                                (g, 2 * t + 8), (g, 2 * t + 9), (g + 8, 2 * t + 8), (g + 8, 2 * t + 9),
                            ].enumerated() {
                                a[row][col] = r[i]
                            }
                            let regs = bRegisters(lane, s)
                            for (i, kk) in [2 * t, 2 * t + 1, 2 * t + 8, 2 * t + 9].enumerated() { b[kk][g] = regs[i] }
                        }
                        for row in 0..<16 {
                            for n in 0..<8 { d[row][n] += (0..<16).reduce(0) { $0 + a[row][$1] * b[$1][n] } }
                        }
                    }
                    for row in 0..<16 {
                        let column = p * channels + slice * 32 + m * 16 + row
                        for n in 0..<8 {
                            let expected = (0..<k).reduce(0) { $0 + h[n * k + $1] * w[$1 * columns + column] }
                            #expect(d[row][n] == expected, "slice \(slice) path \(p) column \(column) edge \(n)")
                        }
                    }
                }
            }
        }
    }

    @Test func generatesBothKernelsForMACEsSecondLayer() throws {
        let tp = try ChannelwiseTensorProductDescriptor(
            irreps1: try Irreps(parsing: "128x0e+128x1o"), irreps2: Irreps.sphericalHarmonics(lmax: 3),
            target: try Irreps(parsing: "128x0e+128x1o+128x2e+128x3o+128x1e+128x2o+128x3e+128x0o"))
        let source = try FusedWeightConvolutionSource(descriptor: tp, inputWidth: 64)
        #expect(source.paths * source.channels == tp.weightCount)
        for name in [source.forwardName, source.backwardName] {
            for storage in HalfStorage.allCases {
                #expect(source.code.contains("void __launch_bounds__(256) \(name)_\(storage.suffix)("))
                #expect(source.code.contains("mma.sync.aligned.m16n8k16.row.col.f32.\(storage.suffix == "bf16" ? "bf16.bf16" : "f16.f16").f32"))
            }
        }
    }

    @Test func rejectsShapesTheKernelsCannotRun() throws {
        let narrow = try ChannelwiseTensorProductDescriptor(
            irreps1: try Irreps(parsing: "16x0e"), irreps2: Irreps.sphericalHarmonics(lmax: 1),
            target: try Irreps(parsing: "16x0e+16x1o"))
        #expect(throws: EquivarianceError.self) { try FusedWeightConvolutionSource(descriptor: narrow, inputWidth: 64) }
        let wide = try ChannelwiseTensorProductDescriptor(
            irreps1: try Irreps(parsing: "32x0e"), irreps2: Irreps.sphericalHarmonics(lmax: 1),
            target: try Irreps(parsing: "32x0e+32x1o"))
        #expect(throws: EquivarianceError.self) { try FusedWeightConvolutionSource(descriptor: wide, inputWidth: 48) }
        _ = try FusedWeightConvolutionSource(descriptor: wide, inputWidth: 32)
    }
}
