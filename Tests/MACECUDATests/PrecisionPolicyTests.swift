// SwiftMACE, MIT licence.
// PrecisionPolicy: names, the dtype and 16-bit storage of each policy, its self-test bound, and the host-side
// rounding of weights to bfloat16 and float16 and back.

import CUDA
import Equivariance
import Tensors
import Testing

@testable import MACECUDA

@Suite struct PrecisionPolicyTests {
    @Test func policiesParseByName() throws {
        #expect(PrecisionPolicy.allCases.map(\.rawValue) == ["float64", "float32", "tf32", "bf16-linear", "fp16-linear", "bf16"])
        for policy in PrecisionPolicy.allCases { #expect(try PrecisionPolicy(name: policy.rawValue) == policy) }
        #expect(throws: PrecisionPolicy.UnknownName.self) { try PrecisionPolicy(name: "bfloat16") }
        do {
            _ = try PrecisionPolicy(name: "half")
        } catch {
            #expect("\(error)" == "unknown precision 'half'; expected one of float64, float32, tf32, bf16-linear, fp16-linear, bf16")
        }
    }

    @Test func policiesSayWhatTheyStoreAndWhereTheyRun() {
        #expect(PrecisionPolicy.allCases.map(\.dtype) == [.float64, .float32, .float32, .float32, .float32, .float32])
        #expect(PrecisionPolicy.allCases.filter(\.runsOnCPU) == [.float64, .float32])
        #expect(PrecisionPolicy.allCases.map(\.halfStorage) == [nil, nil, nil, .bfloat16, .float16, .bfloat16])
        #expect(PrecisionPolicy.allCases.map(\.forceBound) == [1e-10, 1e-5, 3e-3, 1e-2, 1e-2, 1e-2])
        #expect(PrecisionPolicy.allCases.filter(\.storesFeaturesInHalf) == [.bf16])
        #expect(PrecisionPolicy.float32.splitsLastRadialLayer && !PrecisionPolicy.tf32.splitsLastRadialLayer)
        #expect(PrecisionPolicy.tf32.usesTF32 && !PrecisionPolicy.bf16Linear.usesTF32)
    }

    @Test func weightsRoundToNearestEvenIn16Bits() {
        let bf16 = HalfStorage.bfloat16
        #expect(bf16.bits(1) == 0x3F80 && bf16.bits(-2) == 0xC000 && bf16.bits(0) == 0)
        // 1 + 2⁻⁸ is halfway between 1 and 1 + 2⁻⁷: ties go to the even one (1); 1 + 3·2⁻⁸ rounds up to 1 + 2⁻⁶.
        #expect(bf16.bits(1 + 1.0 / 256) == 0x3F80)
        #expect(bf16.bits(1 + 3.0 / 256) == 0x3F82)
        #expect(bf16.bits(.nan) == 0x7FC0)
        let fp16 = HalfStorage.float16
        #expect(fp16.bits(1) == 0x3C00 && fp16.bits(-2) == 0xC000 && fp16.bits(65504) == 0x7BFF)
        #expect(fp16.bits(1 + 1.0 / 2048) == 0x3C00, "tie to even")
        #expect(HalfStorage.allCases.map(\.gemmType) == [.bfloat16, .float16])
        #expect(bf16.value(0x3F82) == 1 + 1.0 / 64 && fp16.value(0x7BFF) == 65504 && bf16.value(0x7FC0).isNaN)
    }
}
