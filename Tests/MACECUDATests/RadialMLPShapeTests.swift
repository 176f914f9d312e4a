// SwiftMACE, MIT licence.
// Which radial MLPs the fused kernels take (RadialMLPShape), and the kernel source they generate.

import Testing

@testable import MACECUDA

@Suite struct RadialMLPShapeTests {
    typealias Layer = (inputs: Int, outputs: Int, activation: String?)

    static func mlp(_ widths: [Int], activation: String = "silu", last: String? = nil) -> [Layer] {
        (1..<widths.count).map { k in
            (widths[k - 1], widths[k], k == widths.count - 1 ? last : activation)
        }
    }

    @Test func acceptsTheMACEDefaultAndDescribesIt() throws {
        let shape = try #require(RadialMLPShape([Self.mlp([8, 64, 64, 64, 512]), Self.mlp([8, 64, 64, 64, 1280])]))
        #expect(shape == RadialMLPShape([Self.mlp([8, 64, 64, 64, 96])]))
        #expect((shape.inputs, shape.width, shape.depth, shape.activation) == (8, 64, 3, "silu"))
        #expect(shape.hiddenWeightCount == 8 * 64 + 2 * 64 * 64)
        let code = shape.code
        #expect(code.contains("constexpr int MLP_IN = 8;") && code.contains("constexpr int MLP_D = 3;"))
        #expect(code.contains("mlp_forward_silu_##SUFFIX") && code.contains("mlp_backward_silu_##SUFFIX"))
        #expect(code.contains("T* __restrict__ z2, void* out, int mode"), "one pre-activation pointer per hidden layer")
        #expect(code.contains("extern \"C\" __global__ void __launch_bounds__(128) mlp_grad_3xtf32"))
        #expect(code.contains("mlp_forward_##NAME##_silu(") && code.contains("mlp_backward_##NAME##_silu("))
        #expect(code.contains("SWIFTMACE_MLP_TC(true, tc)") && code.contains("SWIFTMACE_MLP_TC(false, tc1)"))
        #expect(shape.tensorCoreSharedBytes == (4 * (128 * 68 + 64 * 12 + 2 * 64 * 68), 4 * (128 * 68 + 2 * 64 * 68 + 8 * 68)))
        let source = ModelKernelSource(maxEll: 3, besselCount: 8, envelopeExponent: 5, mlp: shape).code
        #expect(source.contains("mlp_grad_3xtf32") && source.hasPrefix("// SwiftMACE model kernels"))
    }

    @Test func rejectsShapesTheKernelsDoNotHold() {
        #expect(RadialMLPShape([Self.mlp([8, 12, 12, 96])]) == nil, "width not a multiple of 8")
        #expect(RadialMLPShape([Self.mlp([8, 128, 128, 96])]) == nil, "wider than one 3xTF32 tile")
        #expect(RadialMLPShape([Self.mlp([8, 64, 32, 96])]) == nil, "hidden widths differ")
        #expect(RadialMLPShape([Self.mlp([8, 64, 96], last: "silu")]) == nil, "last layer with an activation")
        #expect(RadialMLPShape([Self.mlp([8, 64, 96], activation: "gelu")]) == nil, "activation without a kernel")
        #expect(RadialMLPShape([Self.mlp([8, 64, 96]), Self.mlp([8, 64, 64, 96])]) == nil, "depths differ")
        #expect(RadialMLPShape([Self.mlp([96, 64, 96])]) == nil, "input wider than the tile")
        #expect(RadialMLPShape([Self.mlp([8, 96])]) == nil, "no hidden layer")
        #expect(RadialMLPShape([]) == nil)
    }
}
