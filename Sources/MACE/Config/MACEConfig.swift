// SwiftMACE, MIT licence.
// MACEConfig: the `swiftmace_config` metadata of a model file, decoded and checked (docs/MODEL_FORMAT.md §3).
// JSON keys keep mace-torch's snake_case names; options SwiftMACE does not implement are errors naming the key.

import Atoms
import Equivariance

/// Everything the forward pass needs besides the weights.
public struct MACEConfig: Sendable {
    /// `MACE` (plain sum of energies) or `ScaleShiftMACE` (`scale · e + shift` per atom), MACE.md §8.3.
    public enum ModelClass: String, Sendable {
        case mace = "MACE"
        case scaleShiftMACE = "ScaleShiftMACE"
    }

    /// A sparse (COO) tensor: dense shape and the names of its flat indices and values.
    struct SparseTensor: Sendable {
        let shape: [Int]
        let indices: String
        let values: String
    }

    public let modelClass: ModelClass
    /// The float dtype of the file's weights: `"float64"` or `"float32"`.
    public let fileDType: String
    /// Z of element index 0…n_el−1 (ascending); the one-hot index of an atom is the position of its Z here.
    public let atomicNumbers: [Int]
    /// Cutoff radius, Å.
    public let rMax: Double
    public let numBessel: Int
    public let numPolynomialCutoff: Int
    /// true: the envelope multiplies the Bessel features; false: the radial-MLP output (MACE.md §4.4).
    public let applyCutoff: Bool
    /// Spherical-harmonics degree.
    public let maxEll: Int
    public let numInteractions: Int
    public let hiddenIrreps: Irreps

    let nodeEmbedding: LinearConfig
    let interactions: [InteractionConfig]
    let products: [ProductConfig]
    let readouts: [ReadoutConfig]
    let atomicEnergies: String
    let scaleShift: (scale: String, shift: String)?
    let sparseTensors: [String: SparseTensor]

    /// Decodes the config JSON text; `file` names the model file in errors.
    /// - Throws: `ModelError.invalidConfig` / `.unsupported` naming the key.
    init(json text: String, file: String) throws {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Array(text.utf8), file: "swiftmace_config")
        } catch {
            throw ModelError.invalidConfig(file: file, key: "swiftmace_config", reason: "not JSON (\(error))")
        }
        let root = ConfigNode(value: value, file: file, path: "")
        let version = try root("format_version").int()
        guard version == 1 else { throw try root("format_version").unsupported() }
        modelClass = try ModelClass(rawValue: root("model_class").option(["MACE", "ScaleShiftMACE"]))!
        fileDType = try root("dtype").option(["float64", "float32"])
        atomicNumbers = try root("atomic_numbers").elements().map { try $0.int(atLeast: 1) }
        guard !atomicNumbers.isEmpty, atomicNumbers == atomicNumbers.sorted(), Set(atomicNumbers).count == atomicNumbers.count
        else { throw try root("atomic_numbers").failure("expected distinct atomic numbers in ascending order") }
        guard try root("heads").elements().count == 1 else { throw try root("heads").unsupported() }
        rMax = try root("r_max").double()
        guard rMax > 0 else { throw try root("r_max").failure("found \(rMax); expected a positive cutoff") }
        numBessel = try root("num_bessel").int(atLeast: 1)
        numPolynomialCutoff = try root("num_polynomial_cutoff").int(atLeast: 1)
        _ = try root("radial_type").option(["bessel"])
        _ = try root("distance_transform").option(["None"])
        applyCutoff = try root("apply_cutoff").bool()
        if try root("pair_repulsion").bool() { throw try root("pair_repulsion").unsupported() }
        maxEll = try root("max_ell").int(atLeast: 0)
        guard maxEll <= SphericalHarmonics.maxDegree else { throw try root("max_ell").unsupported() }
        numInteractions = try root("num_interactions").int(atLeast: 1)
        hiddenIrreps = try root("hidden_irreps").irreps()
        nodeEmbedding = try LinearConfig(root("node_embedding"))
        interactions = try root("interactions").elements().map(InteractionConfig.init)
        products = try root("products").elements().map(ProductConfig.init)
        readouts = try root("readouts").elements().map(ReadoutConfig.init)
        atomicEnergies = try root("atomic_energies").string()
        if let node = try root.optional("scale_shift") {
            scaleShift = (try node("scale").string(), try node("shift").string())
        } else {
            scaleShift = nil
        }
        guard (scaleShift != nil) == (modelClass == .scaleShiftMACE) else {
            throw try root("scale_shift").failure("must be given exactly for ScaleShiftMACE")
        }
        var sparse: [String: SparseTensor] = [:]
        for (name, node) in try root("sparse_tensors").members() {
            sparse[name] = SparseTensor(
                shape: try node("shape").elements().map { try $0.int(atLeast: 0) },
                indices: try node("indices").string(), values: try node("values").string())
        }
        sparseTensors = sparse
        try checkLayers(root)
    }

    /// The layers chain: embedding → interaction/product pairs → readouts reading existing layers.
    private func checkLayers(_ root: ConfigNode) throws {
        guard interactions.count == numInteractions, products.count == numInteractions else {
            throw try root("interactions").failure(
                "found \(interactions.count) interactions and \(products.count) products; expected \(numInteractions) of each")
        }
        let elements = Irreps([MulIrrep(atomicNumbers.count, Irrep(0, .even))])
        try InteractionConfig.expect(nodeEmbedding.irrepsIn, elements, root("node_embedding")("irreps_in"))
        var features = nodeEmbedding.irrepsOut
        let sh = Irreps.sphericalHarmonics(lmax: maxEll)
        for (index, (interaction, product)) in zip(interactions, products).enumerated() {
            let node = try root("interactions").elements()[index]
            try InteractionConfig.expect(interaction.nodeFeatsIrreps, features, node("node_feats_irreps"))
            try InteractionConfig.expect(interaction.convTP.irrepsIn2, sh, node("conv_tp")("irreps_in2"))
            guard interaction.skipTP.irrepsIn2.dim == atomicNumbers.count else {
                throw try node("skip_tp")("irreps_in2").failure("expected \(elements)")
            }
            let productNode = try root("products").elements()[index]
            try InteractionConfig.expect(product.irrepsIn, interaction.targetIrreps, productNode("irreps_in"))
            try InteractionConfig.expect(product.irrepsOut, interaction.hiddenIrreps, productNode("irreps_out"))
            guard interaction.radialMLP.layers.first?.inputs == numBessel else {
                throw try node("conv_tp_weights").failure("the first layer must take \(numBessel) radial features")
            }
            features = product.linear.irrepsOut
        }
        for (index, readout) in readouts.enumerated() {
            let node = try root("readouts").elements()[index]
            guard readout.featureLayer < numInteractions else {
                throw try node("feature_layer").failure("found \(readout.featureLayer); expected < \(numInteractions)")
            }
            let input: LinearConfig
            switch readout.kind {
            case .linear(let linear): input = linear
            case .nonLinear(let linear, _, _, _): input = linear
            }
            let layerOutput = products[readout.featureLayer].linear.irrepsOut
            try InteractionConfig.expect(input.irrepsIn, layerOutput, node)
        }
    }
}
