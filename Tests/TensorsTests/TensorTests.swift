// SwiftMACE, MIT licence.
// Tests of Tensor creation, reading and its errors (exact text), and DType sizes.

import Testing
import Tensors

@Suite struct TensorTests {
    @Test func createsAndReadsBackEveryStoredDType() throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6], shape: [2, 3])
        #expect(x.shape == [2, 3] && x.dtype == .float64 && x.device == .cpu && x.rank == 2 && x.dim(-1) == 3)
        #expect(x.toArray() == [1, 2, 3, 4, 5, 6])
        #expect(try Tensor(float32: [1.5, 2.5], shape: [2]).toFloatArray() == [1.5, 2.5])
        #expect(try Tensor(int32: [3, 4], shape: [1, 2]).toInt32Array() == [3, 4])
        #expect(try Tensor([1, 2], shape: [2], dtype: .float32).dtype == .float32)
        #expect(Tensor(scalar: 2.5).scalarValue == 2.5 && Tensor(scalar: 2.5).shape == [])
        #expect(try Tensor.ones([2, 2], dtype: .float32).toArray() == [1, 1, 1, 1])
        #expect(try Tensor.zeros([0, 3]).elementCount == 0)
        #expect(x.withUnsafeBufferPointer(as: Double.self) { $0.reduce(0, +) } == 21)
    }

    @Test func rejectsBadCountsAndUnsupportedTypesWithExactMessages() {
        let count = #expect(throws: TensorError.self) { try Tensor([1, 2, 3], shape: [2, 2]) }
        #expect(count?.description == "3 values given for a tensor of shape [2, 2]; expected 4")
        let half = #expect(throws: TensorError.self) { try Tensor.zeros([2], dtype: .float16) }
        #expect(half?.description == "full: dtype float16 is not supported; use float64 or float32")
        #expect(throws: TensorError.invalidShape([-1, 2])) { try Tensor.zeros([-1, 2]) }
    }

    @Test func dtypeSizes() {
        #expect(DType.allCases.map(\.byteSize) == [8, 4, 2, 2, 4, 8])
        #expect(DType.int32.isFloatingPoint == false && DType.bfloat16.isFloatingPoint)
        #expect(Device.cuda(1).description == "cuda:1")
    }
}
