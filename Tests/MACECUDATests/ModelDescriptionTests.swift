// SwiftMACE, MIT licence.
// Host-side pieces of the CUDA model: the model's layers as numbers (MACELayers), the skip TP's path scales, the
// generated model kernel source.

import Equivariance
import Foundation
import MACE
import Testing
import TestSupport

@testable import MACECUDA

@Suite struct ModelDescriptionTests {
    @Test func layersOfTheDefaultFixtureModel() throws {
        let model = try MACEModel(contentsOf: Fixtures.url("mace/default_hcno.safetensors"))
        let layers = model.layers
        #expect(layers.numElements == 4 && layers.maxEll == 3 && layers.besselWeights.count == 8)
        #expect(layers.interactions.map(\.residual) == [false, true])
        #expect(layers.readouts.map { $0.hidden == nil } == [true, false])
        #expect(layers.embedding.weight.count == layers.embedding.descriptor.weightCount)
        for interaction in layers.interactions {
            #expect(interaction.linearUp.weight.count == interaction.linearUp.descriptor.weightCount)
            #expect(interaction.skip.weight.count == interaction.skip.descriptor.weightCount)
            #expect(interaction.radialMLP.last?.outputs == interaction.conv.weightCount)
            #expect(interaction.radialMLP.last?.activation == nil)
            // Hidden layers after the first carry the previous activation's normalize2mom constant.
            let first = try #require(interaction.radialMLP.first), second = interaction.radialMLP[1]
            #expect(abs(first.scale - 1 / Double(first.inputs).squareRoot()) <= 1e-15)
            #expect(second.scale > 1 / Double(second.inputs).squareRoot() * 1.5)
        }
        for product in layers.products {
            #expect(product.contractionWeights.count == product.contraction.featureInput)
        }
        #expect(layers.scale != 1 && layers.atomicEnergies.count == 4)
    }

    @Test func skipPathScalesArePathWeightOverSqrtDimension() throws {
        let d = try ElementSkipTensorProductDescriptor(
            irrepsIn: Irreps(parsing: "4x0e+4x1o+4x2e"), elementCount: 3, irrepsOut: Irreps(parsing: "8x0e+8x1o+8x2e"))
        let scales = try DeviceSkip.pathScales(d)
        #expect(scales.count == 3)
        for (scale, instruction) in zip(scales, d.instructions) {
            let l = d.irrepsIn.entries[instruction.input1].irrep.l
            #expect(abs(scale - instruction.pathWeight / Double(2 * l + 1).squareRoot()) <= 1e-15)
        }
    }

    @Test func split3xTF32WeightsAreExactHighAndLowParts() {
        let values = [0.1, -1.0 / 3, 12345.678, 1e-30, 0]
        let split = DeviceLayer.split3(values)
        #expect(split.count == 15)
        for (n, value) in values.enumerated() {
            let high = Float(split[n]), low = Float(split[5 + n])
            #expect(high.bitPattern & 0x1FFF == 0, "hi fits TF32's 10 mantissa bits")
            #expect(high + low == Float(value), "hi + lo is the float32 value exactly")
            #expect(split[10 + n] == split[n])
        }
        #expect(Float(split[5]) != 0, "0.1 has a non-zero low part")
    }

    @Test func modelKernelSourceIsSpecialisedWithExactConstants() {
        let code = ModelKernelSource(maxEll: 2, besselCount: 6, envelopeExponent: 5).code
        #expect(code.contains("constexpr int LMAX = 2;") && code.contains("constexpr int NSH = 9;"))
        #expect(code.contains("constexpr int NB = 6;") && code.contains("constexpr int P = 5;"))
        #expect(code.contains("#define ENV1 T(0x1.5p+4)"), "(p+1)(p+2)/2 = 21 exactly")
        // The training pass's kernels, instantiated for both scalar types and both activations.
        #expect(code.contains("void edge_tangent_##SUFFIX(") && code.contains("SWIFTMACE_EDGE_TANGENT(double, f64)"))
        for activation in ["silu", "tanh"] {
            #expect(code.contains("SWIFTMACE_DUAL_ACT(float, f32, \(activation == "tanh" ? "tanh_act" : "silu"), \(activation))"))
        }
        #expect(code.contains("void dual_act_backward_##NAME##_##SUFFIX("))
        #expect(ModelKernelSource.hex(0.75) == "0x1.8p-1")
        #expect(Double(ModelKernelSource.hex(3.0.squareRoot())) == 3.0.squareRoot())
    }
}
