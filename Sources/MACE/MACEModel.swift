// SwiftMACE, MIT licence.
// MACEModel: a MACE / ScaleShiftMACE model loaded from a SwiftMACE safetensors file, and its forward pass on Tensor
// ops (MACE.md §13) so autodiff gives forces and stress.

import Atoms
import Equivariance
import Foundation
import Tensors

/// A MACE interatomic potential with weights from an exported mace-torch model (docs/MODEL_FORMAT.md).
///
/// ```swift
/// let model = try MACEModel(contentsOf: URL(fileURLWithPath: "model.safetensors"))
/// let outputs = try model.evaluate(configurations, computeStress: true)
/// print(outputs[0].energy, outputs[0].forces)
/// ```
public struct MACEModel: Sendable {
    public let config: MACEConfig
    /// The dtype the model computes in (positions and edge vectors are always float64).
    public let dtype: DType

    var nodeEmbedding: EquivariantLinear
    let radialEmbedding: RadialEmbedding
    let sphericalHarmonics: EdgeSphericalHarmonics
    var interactions: [InteractionBlock]
    var products: [ProductBlock]
    var readouts: [Readout]
    /// E0 per element, eV, `[n_el]`.
    let atomicEnergies: Tensor
    let scaleShift: (scale: Double, shift: Double)?
    /// The file the model was loaded from (buffers and config), so a trained model can be written back.
    let sourceFile: SafetensorsFile

    /// Loads a model file.
    /// - Parameter dtype: `.float64` or `.float32`; the file's weights are converted to it.
    /// - Throws: `ModelError` naming the file and the tensor or config key at fault.
    public init(contentsOf url: URL, dtype: DType = .float64) throws {
        try self.init(file: SafetensorsFile(contentsOf: url), dtype: dtype)
    }

    /// Builds a model from a parsed safetensors file. - Throws: as `init(contentsOf:dtype:)`.
    public init(file: SafetensorsFile, dtype: DType = .float64) throws {
        guard dtype == .float64 || dtype == .float32 else {
            throw ModelError.unsupported(file: file.file, key: "dtype", found: "\(dtype)")
        }
        guard let format = file.metadata["swiftmace_format"] else {
            throw ModelError.invalidConfig(file: file.file, key: "swiftmace_format",
                                           reason: "missing; expected \"1\" (not a SwiftMACE model file)")
        }
        guard format == "1" else { throw ModelError.unsupported(file: file.file, key: "swiftmace_format", found: "'\(format)'") }
        guard let json = file.metadata["swiftmace_config"] else {
            throw ModelError.invalidConfig(file: file.file, key: "swiftmace_config", reason: "missing")
        }
        let config = try MACEConfig(json: json, file: file.file)
        let weights = ModelWeights(file: file, dtype: dtype, sparseTensors: config.sparseTensors)
        let numElements = config.atomicNumbers.count
        self.config = config
        self.dtype = dtype
        sourceFile = file
        nodeEmbedding = try EquivariantLinear(config.nodeEmbedding, weights: weights)
        radialEmbedding = try RadialEmbedding(numBessel: config.numBessel, weights: weights)
        sphericalHarmonics = try EdgeSphericalHarmonics(lmax: config.maxEll, dtype: dtype)
        interactions = try config.interactions.enumerated().map { try InteractionBlock($1, index: $0, weights: weights) }
        products = try config.products.map { try ProductBlock($0, numElements: numElements, weights: weights) }
        readouts = try config.readouts.map { try Readout($0, weights: weights) }
        let (e0, e0Shape) = try weights.floats(config.atomicEnergies)
        guard e0Shape == [numElements] || (e0Shape.count == 2 && e0Shape[1] == numElements && e0Shape[0] >= 1) else {
            throw ModelError.shapeMismatch(file: file.file, key: config.atomicEnergies, found: e0Shape, expected: [numElements])
        }
        atomicEnergies = try Tensor(Array(e0.prefix(numElements)), shape: [numElements], dtype: dtype)
        if let names = config.scaleShift {
            scaleShift = (try Self.firstValue(names.scale, weights), try Self.firstValue(names.shift, weights))
        } else {
            scaleShift = nil
        }
    }

    private static func firstValue(_ key: String, _ weights: ModelWeights) throws -> Double {
        let (values, shape) = try weights.floats(key)
        guard let first = values.first, shape.count <= 1 else {
            throw ModelError.shapeMismatch(file: weights.file.file, key: key, found: shape, expected: [1])
        }
        return first
    }
}
