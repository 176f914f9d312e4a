// SwiftMACE, MIT licence.
// Tests of the Tensor ↔ safetensors conversions shared by model files and training checkpoints.

import Testing
import Tensors

@testable import MACE

@Suite struct SafetensorsTensorConversionTests {
    @Test func float64Float32AndInt32RoundTripThroughAFile() throws {
        let tensors: [(name: String, tensor: Tensor)] = [
            ("f64", try Tensor([1.5, -2, .pi], shape: [3])), ("f32", try Tensor(float32: [1, 2, 3, 4], shape: [2, 2])),
            ("i32", try Tensor(int32: [7, -7], shape: [2])),
        ]
        let bytes = SafetensorsWriter.encode(
            tensors: try tensors.map { ($0.name, try SafetensorsTensor($0.tensor)) }, metadata: ["k": "v"])
        let headerLength = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength % 8 == 0)
        let file = try SafetensorsFile(bytes: bytes, file: "t.safetensors")
        #expect(try file.tensor("f64").tensor().toArray() == [1.5, -2, .pi])
        let f32 = try file.tensor("f32").tensor()
        #expect(f32.dtype == .float32 && f32.shape == [2, 2] && f32.toFloatArray() == [1, 2, 3, 4])
        #expect(try file.tensor("i32").tensor().toInt32Array() == [7, -7])
        #expect(file.metadata == ["k": "v"])
    }

    @Test func int64EntriesAreNotTensors() throws {
        #expect(throws: TensorError.unsupported("safetensors I64 entries as tensors")) {
            _ = try SafetensorsTensor(int64: [1], shape: [1]).tensor()
        }
    }
}
