// SwiftMACE, MIT licence.
// Safetensors reading and writing: round trips through the writer, and exact errors for truncated or corrupt files.

import Foundation
import MACE
import TestSupport
import Testing

@Suite struct SafetensorsFileTests {
    static func header(_ json: String, data: [UInt8] = []) -> [UInt8] {
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { Array($0) } + Array(json.utf8) + data
    }

    static func error(_ bytes: [UInt8]) -> String {
        do {
            _ = try SafetensorsFile(bytes: bytes, file: "m.safetensors")
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func writtenTensorsReadBackExactly() throws {
        let tensors: [(name: String, tensor: SafetensorsTensor)] = [
            ("w", SafetensorsTensor(float64: [1.5, -2.25, .pi, 1e-300], shape: [2, 2])),
            ("s", SafetensorsTensor(float32: [0.1], shape: [])),
            ("e", SafetensorsTensor(float64: [], shape: [0])),
            ("z \"quoted\"", SafetensorsTensor(int64: [1, 6, -8], shape: [3])),
        ]
        let bytes = SafetensorsWriter.encode(tensors: tensors, metadata: ["k": "v\n\"x\""])
        #expect((bytes.count - 8 - 4 * 8 - 4 - 0 - 3 * 8) % 8 == 0, "header padded to a multiple of 8")
        let file = try SafetensorsFile(bytes: bytes, file: "t.safetensors")
        #expect(file.metadata == ["k": "v\n\"x\""])
        for (name, tensor) in tensors { #expect(file.tensors[name] == tensor, "\(name)") }
        #expect(file.tensors["w"]?.doubles() == [1.5, -2.25, .pi, 1e-300])
        #expect(file.tensors["s"]?.doubles() == [Double(Float(0.1))])
        #expect(file.tensors["z \"quoted\""]?.integers() == [1, 6, -8])

        let url = FileManager.default.temporaryDirectory.appendingPathComponent("swiftmace-\(UInt64.random(in: 0...UInt64.max)).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try SafetensorsWriter.write(tensors: tensors, metadata: [:], to: url)
        #expect(try SafetensorsFile(contentsOf: url).tensors["w"] == tensors[0].tensor)
    }

    @Test func truncatedAndCorruptFilesGiveExactErrors() throws {
        #expect(Self.error([1, 2, 3]) == "m.safetensors: file ends early; expected an 8-byte header length; the file has 3 bytes")
        #expect(Self.error(Self.header("{}").dropLast()) ==
            "m.safetensors: file ends early; expected a header of 2 bytes; only 1 bytes follow the length")
        #expect(Self.error(Self.header("{\"a\": ")) ==
            "m.safetensors: malformed safetensors header: not JSON (header:1: found 'end of file'; expected a JSON value)")
        #expect(Self.error(Self.header("[]")) == "m.safetensors: malformed safetensors header: the header is not a JSON object")
        #expect(Self.error(Self.header(#"{"w":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}"#, data: [0, 0])) ==
            "m.safetensors: tensor 'w': unknown dtype 'F16'; expected one of F64, F32, I64, I32, BOOL, U8")
        #expect(Self.error(Self.header(#"{"w":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}}"#, data: [0, 0, 0, 0, 0, 0, 0, 0])) ==
            "m.safetensors: tensor 'w': data_offsets [0, 16] lie outside the 8-byte data section")
        #expect(Self.error(Self.header(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0, 0, 0, 0, 0])) ==
            "m.safetensors: tensor 'w': data_offsets [0, 8] hold 8 bytes; expected 4 for F32 of shape [1]")
        #expect(Self.error(Self.header(#"{"w":{"dtype":"F64","shape":[1000000000000,1000000000],"data_offsets":[0,8]}}"#)) ==
            "m.safetensors: tensor 'w': shape [1000000000000, 1000000000] needs more bytes than the 0-byte data section holds")
    }

    @Test func everyTruncationOfAModelFileIsAnError() throws {
        let bytes = [UInt8](try Fixtures.data("mace/plain_f32.safetensors"))
        for length in stride(from: 0, to: bytes.count, by: 997) {
            #expect(throws: ModelError.self, "truncated to \(length) bytes") {
                _ = try MACEModel(file: try SafetensorsFile(bytes: Array(bytes.prefix(length)), file: "plain_f32.safetensors"))
            }
        }
    }
}
