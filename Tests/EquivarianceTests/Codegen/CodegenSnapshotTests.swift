// SwiftMACE, MIT licence.
// The generated CUDA sources against committed snapshots (Tests/Fixtures/codegen/), byte for byte, so every
// codegen change shows in review; and generation is deterministic. SWIFTMACE_UPDATE_SNAPSHOTS=1 rewrites them.

import Equivariance
import Foundation
import TestSupport
import Testing

@Suite struct CodegenSnapshotTests {
    /// Layer 2 of the medium model with C = 32: 32x0e+32x1o ⊗ SH(l ≤ 3) → 32x(0e+1o+2e+3o).
    static func convolution() throws -> ConvolutionKernelSource {
        try ConvolutionKernelSource(
            descriptor: ChannelwiseTensorProductDescriptor(
                irreps1: Irreps(parsing: "32x0e+32x1o"), irreps2: Irreps.sphericalHarmonics(lmax: 3),
                target: Irreps(parsing: "32x0e+32x1o+32x2e+32x3o")))
    }

    /// Layer 2's product of the medium model with C = 32: 32x0e+32x1o → 32x0e+32x1o, correlation 3.
    static func contraction() throws -> SymmetricContractionKernelSource {
        try SymmetricContractionKernelSource(
            polynomial: SymmetricContractionDescriptor(
                irrepsIn: Irreps(parsing: "32x0e+32x1o"), irrepsOut: Irreps(parsing: "32x0e+32x1o"), correlation: 3,
                elementCount: 2
            ).polynomial)
    }

    private func compare(_ code: String, snapshot name: String) throws {
        let url = Fixtures.url("codegen/" + name)
        if ProcessInfo.processInfo.environment["SWIFTMACE_UPDATE_SNAPSHOTS"] == "1" {
            try Data(code.utf8).write(to: url)
        }
        let stored = try String(contentsOf: url, encoding: .utf8)
        #expect(stored == code, "generated \(name) differs from the snapshot; rerun with SWIFTMACE_UPDATE_SNAPSHOTS=1")
    }

    @Test func convolutionSourceMatchesSnapshot() throws {
        try compare(Self.convolution().code, snapshot: "conv_layer2_c32.cu")
    }

    @Test func contractionSourceMatchesSnapshot() throws {
        try compare(Self.contraction().code, snapshot: "contraction_0e1o_corr3_c32.cu")
    }

    @Test func generationIsDeterministic() throws {
        #expect(try Self.convolution().code == Self.convolution().code)
        #expect(try Self.contraction().code == Self.contraction().code)
    }

    @Test func convolutionKernelsHaveTheDesignedShape() throws {
        let source = try Self.convolution()
        // 86 CG non-zeros of the layer-2 conv appear as hexadecimal constants in the forward's edge body, which is
        // emitted three times (two edges per loop trip, and the odd last edge).
        #expect(source.forwardPolynomial.coefficientCount == 86)
        let literals = ["T(0x", "T(-0x"].map { source.forward.code.components(separatedBy: $0).count - 1 }
        #expect(literals.reduce(0, +) == 3 * 86)
        #expect(source.forward.channelThreads == 32 && source.forward.rowsPerBlock == 8)
        // The backward sums dsh over channels, so one receiver per block; no atomics anywhere.
        #expect(source.backward.rowsPerBlock == 1)
        #expect(source.backward.code.contains("__shfl_xor_sync(0xffffffffu, upper ? v0 : v8, 16)"))
        // The split backward: d/dx1 per edge (32 channels × 4 components) in the receiver CSR, summed per sender.
        #expect(source.backwardWithEdgeDx1.rowsPerBlock == 1)
        #expect(source.backwardWithEdgeDx1.code.contains("o1 = out1 + e * 128 + u;"))
        #expect(source.senderSum.code.contains("const T v3 = q[3 * C];"))
        #expect(source.senderSum.rowsPerBlock == 8)
        // Chunk by chunk: row sums added into the rows `out_rows` names.
        #expect(source.senderSumAdd.parameters.last == "const int* __restrict__ out_rows")
        #expect(source.senderSumAdd.code.contains("o = out0 + (size_t)out_rows[row] * 128 + u;"))
        #expect(source.senderSumAdd.code.contains("o[3 * C] += s3;"))
        #expect(!source.code.contains("atomic"))
        #expect(source.forward.parameters.first == "int rows")
        #expect(source.code.contains("extern \"C\" __global__ void __launch_bounds__(256) conv_forward_f64("))
    }

    @Test func convolutionWeightsHaveAStorageType() throws {
        let source = try Self.convolution()
        // weight (and dweight) are W: T in the f32/f64 entry points, 16-bit in the extra float32 ones.
        #expect(source.forward.parameters[4] == "const W* __restrict__ in0")
        #expect(source.backward.parameters.contains("W* __restrict__ out0"))
        #expect(source.backward.parameters.contains("T* __restrict__ out1"))
        for kernel in [source.forward, source.backward, source.senderBackward] {
            #expect(kernel.code.contains("template <typename T, typename W>"))
            #expect(kernel.code.contains("_body<float, swiftmace_bf16>("))
            #expect(kernel.code.contains("_body<double, double>("))
            #expect(kernel.code.contains("T(swiftmace_widen(q0["))
        }
        #expect(source.backward.code.contains("swiftmace_store(o0 + 0 * C, "))
        #expect(source.forward.entryName(.float32, storage: .float16) == "conv_forward_f32_f16")
        #expect(source.code.contains("void __launch_bounds__(256) conv_forward_f32_f16("))
        #expect(source.code.contains("const swiftmace_bf16* __restrict__ in0"))
        // The contraction has no stored operands: one type parameter, two entry points.
        let contraction = try Self.contraction()
        #expect(!contraction.code.contains("_f32_bf16"))
    }

    @Test func dualConvolutionKernelsHaveTheDesignedShape() throws {
        let source = try Self.convolution()
        // (weight, x1, x2, their tangents) → (mid, its tangent); plain T storage, two entry points each.
        #expect(source.dualPolynomial.inputs.count == 6 && source.dualPolynomial.outputs.count == 2)
        for kernel in [
            source.dualForward, source.dualWeightBackward, source.dualSenderBackward, source.dualBackwardInPlace,
        ] {
            #expect(kernel.code.contains("template <typename T>\n"))
            #expect(!kernel.code.contains("_f32_bf16"))
            // No channel reduction (the per-edge weight adjoints have a channel): 8 rows of 32 channels per block.
            #expect(kernel.rowsPerBlock == 8)
        }
        #expect(source.dualForward.parameters.count == 4 + 6 + 2)
        #expect(source.dualWeightBackward.parameters.count == 4 + 8 + 2)
        // The weight backward reads no weight; the sender backward reads no x1 (the polynomial is linear in each).
        #expect(!source.dualWeightBackward.code.contains("in0 +") && !source.dualWeightBackward.code.contains("in3 +"))
        #expect(!source.dualSenderBackward.code.contains("in1 +") && !source.dualSenderBackward.code.contains("in4 +"))
        // The in-place kernel reads the conv outputs' adjoints once per row and writes the weight adjoints over the
        // weights: those two pairs of pointers, and only they, without __restrict__.
        let inPlace = source.dualBackwardInPlace.code
        #expect(inPlace.contains("row6 = in6 + (size_t)row"))
        #expect(inPlace.contains("const T* in0,") && inPlace.contains("const T* in3,"))
        #expect(inPlace.contains("T* out0,") && inPlace.contains("T* out2,"))
        #expect(inPlace.contains("const T* __restrict__ in1,") && inPlace.contains("T* __restrict__ out1,"))
        #expect(source.code.contains("void __launch_bounds__(256) conv_dual_sender_backward_f64("))
    }

    @Test func halfFeatureVariantsStoreFeaturesInSixteenBits() throws {
        let source = try Self.convolution()
        // A module of their own (the snapshot's module is unchanged), 16-bit entry points only.
        for kernel in [source.halfForward, source.halfBackward, source.halfBackwardWithEdgeDx1, source.halfSenderSum] {
            #expect(!source.code.contains(kernel.name + "_"))
            #expect(kernel.code.contains(kernel.name + "_f32_bf16(") && kernel.code.contains(kernel.name + "_f32_f16("))
            #expect(!kernel.code.contains(kernel.name + "_f32(") && !kernel.code.contains(kernel.name + "_f64("))
        }
        // Forward: weight and gathered x1 in W, mid summed in T registers and rounded once on store.
        #expect(source.halfForward.parameters[4] == "const W* __restrict__ in0")
        #expect(source.halfForward.parameters[5] == "const W* __restrict__ in1")
        #expect(source.halfForward.parameters[7] == "W* __restrict__ out0")
        #expect(source.halfForward.code.contains("T(swiftmace_widen(q1["))
        #expect(source.halfForward.code.contains("swiftmace_store(o0 + 0 * C, r0_0);"))
        // Backward with per-edge dx1: dweight and dx1 in W, dmid and dsh in T.
        #expect(source.halfBackwardWithEdgeDx1.parameters[7] == "const T* __restrict__ in3")
        #expect(source.halfBackwardWithEdgeDx1.parameters[9] == "W* __restrict__ out1")
        #expect(source.halfBackwardWithEdgeDx1.parameters[10] == "T* __restrict__ out2")
        #expect(source.halfSenderSum.code.contains("const T v3 = T(swiftmace_widen(q[3 * C]));"))
        #expect(source.halfCode.hasPrefix(GeneratedModule.prelude))
        // The contraction: x and B(x) in W, dout and dx in T.
        let contraction = try Self.contraction()
        #expect(contraction.halfForward.parameters == [
            "int nodes", "const int* __restrict__ elements", "const T* __restrict__ coefficients",
            "const W* __restrict__ x", "W* __restrict__ out",
        ])
        #expect(contraction.halfBackward.parameters[3] == "const W* __restrict__ x")
        #expect(contraction.halfBackward.parameters[5] == "T* __restrict__ dx")
        #expect(contraction.halfForward.code.contains("swiftmace_store(o + 0 * C, b0);"))
        #expect(contraction.halfCode.contains("contraction_half_backward_f32_bf16("))
        #expect(!contraction.code.contains("contraction_half_"))
    }
}
