// SwiftMACE, MIT licence.
// Model loading and evaluation errors: files that are not SwiftMACE models, configs with unsupported options or
// inconsistent weights, elements the model lacks. Exact messages.

import Atoms
import Foundation
import MACE
import TestSupport
import Testing

@Suite struct MACEModelLoadingTests {
    /// The plain_f32 fixture with its config edited by `edit` (JSON text replacement) or a tensor replaced.
    static func loadingError(config edit: (String) -> String = { $0 },
                             tensor: (name: String, tensor: SafetensorsTensor)? = nil,
                             metadata: [String: String]? = nil) -> String {
        do {
            let original = try SafetensorsFile(contentsOf: Fixtures.url("mace/plain_f32.safetensors"))
            var tensors = original.tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
            if let tensor, let index = tensors.firstIndex(where: { $0.name == tensor.name }) { tensors[index] = tensor }
            var meta = metadata ?? original.metadata
            meta["swiftmace_config"] = meta["swiftmace_config"].map(edit)
            let file = try SafetensorsFile(bytes: SafetensorsWriter.encode(tensors: tensors, metadata: meta), file: "p.safetensors")
            _ = try MACEModel(file: file)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    @Test func rewrittenModelFileLoadsUnchanged() throws {
        #expect(Self.loadingError() == "no error")
    }

    @Test func notAModelFile() {
        #expect(Self.loadingError(metadata: [:]) ==
            "p.safetensors: config key 'swiftmace_format': missing; expected \"1\" (not a SwiftMACE model file)")
        #expect(Self.loadingError(metadata: ["swiftmace_format": "2"]) ==
            "p.safetensors: config key 'swiftmace_format' is '2', which SwiftMACE does not support")
    }

    @Test func unsupportedOptionsNameTheKey() {
        #expect(Self.loadingError(config: { $0.replacingOccurrences(of: #""radial_type": "bessel""#, with: #""radial_type": "gaussian""#) }) ==
            "p.safetensors: config key 'radial_type' is 'gaussian', which SwiftMACE does not support")
        #expect(Self.loadingError(config: { $0.replacingOccurrences(of: #""pair_repulsion": false"#, with: #""pair_repulsion": true"#) }) ==
            "p.safetensors: config key 'pair_repulsion' is true, which SwiftMACE does not support")
        #expect(Self.loadingError(config: { $0.replacingOccurrences(of: #""connection_mode": "uvu""#, with: #""connection_mode": "uuu""#) })
            .hasPrefix("p.safetensors: config key 'interactions[0].conv_tp.instructions[0].connection_mode' is 'uuu'"))
    }

    @Test func weightShapesAreCheckedAgainstTheIrreps() {
        #expect(Self.loadingError(tensor: ("interactions.0.linear_up.weight", SafetensorsTensor(float32: [1, 2, 3], shape: [3]))) ==
            "p.safetensors: tensor 'interactions.0.linear_up.weight' has shape [3]; expected [256]")
        #expect(Self.loadingError(tensor: ("readouts.0.linear.weight", SafetensorsTensor(float32: [.nan] + [Float](repeating: 0, count: 15), shape: [16]))) ==
            "p.safetensors: tensor 'readouts.0.linear.weight': element 0 is nan; expected a finite number")
        #expect(Self.loadingError(config: { $0.replacingOccurrences(of: #""weight_numel": 64"#, with: #""weight_numel": 63"#) }) ==
            "p.safetensors: config key 'node_embedding.weight_numel': found 63; the instructions need 64")
    }

    /// A float32 export stores the Wigner 3j tables rounded to float32: they must still load in float64, while a table
    /// that is not e3nn's is rejected whatever the dtype.
    @Test func float32RoundedWigner3jTablesLoadInFloat64() throws {
        let key = "interactions.1.conv_tp._compiled_main_left_right._w3j_1_2_1"
        let original = try SafetensorsFile(contentsOf: Fixtures.url("mace/default_hcno.safetensors"))
        let stored = try #require(original.tensors[key])
        func loading(_ values: [Float]) -> String {
            do {
                var tensors = original.tensors.sorted { $0.key < $1.key }.map { (name: $0.key, tensor: $0.value) }
                let index = try #require(tensors.firstIndex { $0.name == key })
                tensors[index].tensor = SafetensorsTensor(float32: values, shape: stored.shape)
                let bytes = SafetensorsWriter.encode(tensors: tensors, metadata: original.metadata)
                _ = try MACEModel(file: try SafetensorsFile(bytes: bytes, file: "f.safetensors"), dtype: .float64)
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        let rounded = stored.doubles().map(Float.init)
        #expect(loading(rounded) == "no error")
        var wrong = rounded
        wrong[0] += 1e-3
        #expect(loading(wrong) == "f.safetensors: config key '\(key)': not e3nn 0.4.4's Wigner 3j")
    }

    @Test func elementNotInTheModel() throws {
        let model = try MACEReference.model("plain_f32")
        let silicon = Configuration(atomicNumbers: [1, 14], positions: [.zero, SIMD3(1, 0, 0)])
        #expect(throws: ModelError.unknownElement(atomicNumber: 14, modelElements: [1, 6, 7, 8])) { try model.evaluate([silicon]) }
        #expect("\(ModelError.unknownElement(atomicNumber: 14, modelElements: [1, 6, 7, 8]))" ==
            "element Si (Z = 14) is not in the model; the model has H, C, N, O")
    }

    @Test func isolatedAtomHasOnlyItsReferenceEnergy() throws {
        let model = try MACEReference.model("plain_f32")
        let output = try model.evaluate([Configuration(atomicNumbers: [8], positions: [.zero])], computeStress: true)[0]
        #expect(output.forces == [.zero])
        #expect(output.stress == nil)
        #expect(output.nodeEnergies.count == 1)
    }
}
