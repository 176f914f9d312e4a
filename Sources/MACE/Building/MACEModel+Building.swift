// SwiftMACE, MIT licence.
// A new MACE model from hyper-parameters, laid out exactly as mace-torch's `modules.MACE.__init__` lays it out
// (irreps per layer, instruction lists and path weights from the Equivariance descriptors, U matrices from
// `UMatrix.generate`) with mace's random initialisation: e3nn weights N(0,1), symmetric-contraction weights
// N(0,1)/K. The result is a model file in memory (docs/MODEL_FORMAT.md), loaded as any exported model is.

import Atoms
import Equivariance
import Foundation
import Tensors

extension MACEModel {
    /// Builds an untrained model.
    /// - Parameters:
    ///   - architecture: sizes, irreps and training-set statistics.
    ///   - dtype: `.float64` or `.float32` (weights are drawn in float64 and rounded).
    ///   - generator: the source of the random initial weights.
    /// - Throws: `ModelError.invalidConfig` naming the hyper-parameter at fault (key `architecture.<name>`).
    public init(
        architecture: MACEArchitecture, dtype: DType = .float64, generator: inout some RandomNumberGenerator
    ) throws {
        var builder = ModelFileBuilder(architecture: architecture)
        let bytes = try builder.build(generator: &generator)
        try self.init(file: SafetensorsFile(bytes: bytes, file: "new model"), dtype: dtype)
    }
}

/// Collects the config JSON and the tensors of a new model file.
struct ModelFileBuilder {
    let architecture: MACEArchitecture
    var tensors: [(name: String, tensor: SafetensorsTensor)] = []
    var sparse: [String: JSONValue] = [:]

    init(architecture: MACEArchitecture) { self.architecture = architecture }

    private func failure(_ key: String, _ reason: String) -> ModelError {
        .invalidConfig(file: "new model", key: "architecture.\(key)", reason: reason)
    }

    mutating func build(generator: inout some RandomNumberGenerator) throws -> [UInt8] {
        let a = architecture
        let n = a.atomicNumbers.count
        guard n > 0, a.atomicNumbers == a.atomicNumbers.sorted(), Set(a.atomicNumbers).count == n else {
            throw failure("atomicNumbers", "found \(a.atomicNumbers); expected distinct atomic numbers in ascending order")
        }
        guard a.atomicEnergies.count == n else {
            throw failure("atomicEnergies", "found \(a.atomicEnergies.count) values; expected one per element (\(n))")
        }
        guard a.rMax > 0 else { throw failure("rMax", "found \(a.rMax); expected a positive cutoff") }
        guard a.numBessel >= 1, a.numPolynomialCutoff >= 1, a.numInteractions >= 1, a.correlation >= 1, a.maxEll >= 0,
              a.maxEll <= SphericalHarmonics.maxDegree
        else { throw failure("sizes", "num_bessel, num_cutoff_basis, num_interactions, correlation must be ≥ 1 and max_ell in 0...\(SphericalHarmonics.maxDegree)") }
        let scalar = Irrep(0, .even)
        let channels = a.hiddenIrreps.count(of: scalar)
        guard channels > 0, Set(a.hiddenIrreps.entries.map(\.mul)).count == 1 else {
            throw failure("hiddenIrreps", "found \(a.hiddenIrreps); expected equal multiplicities including 0e")
        }
        guard !a.mlpIrreps.entries.isEmpty, a.mlpIrreps.entries.allSatisfy({ $0.irrep == scalar }) else {
            throw failure("mlpIrreps", "found \(a.mlpIrreps); expected scalars such as 16x0e")
        }
        guard !a.radialMLP.isEmpty, a.radialMLP.allSatisfy({ $0 >= 1 }) else {
            throw failure("radialMLP", "found \(a.radialMLP); expected positive widths")
        }

        let attributes = Irreps([MulIrrep(n, scalar)])
        let scalars = Irreps([MulIrrep(channels, scalar)])
        let sh = Irreps.sphericalHarmonics(lmax: a.maxEll)
        // (sh_irreps * num_features).sort().simplify(): C copies of every SH irrep, in SH order.
        let target = Irreps(sh.entries.map { MulIrrep(channels, $0.irrep) })
        let lastHidden = Irreps([MulIrrep(a.hiddenIrreps.count(of: scalar), scalar)])

        var interactions: [JSONValue] = [], products: [JSONValue] = [], readouts: [JSONValue] = []
        var features = scalars
        for layer in 0..<a.numInteractions {
            let isLast = layer == a.numInteractions - 1
            let hiddenOut = isLast ? lastHidden : a.hiddenIrreps
            let residual = layer == 0 ? a.residualFirst : a.residual
            interactions.append(try interaction(layer, features: features, attributes: attributes, sh: sh, target: target,
                                                hidden: hiddenOut, residual: residual, generator: &generator))
            products.append(try product(layer, target: target, hidden: hiddenOut, useSC: layer > 0 || residual,
                                        generator: &generator))
            if isLast {
                readouts.append(try nonLinearReadout(layer, hidden: hiddenOut, generator: &generator))
            } else {
                readouts.append(.object(["class": .string("LinearReadoutBlock"), "feature_layer": .int(layer),
                                         "linear": try linear(hiddenOut, Irreps([MulIrrep(1, scalar)]),
                                                              name: "readouts.\(layer).linear.weight", generator: &generator)]))
            }
            features = hiddenOut
        }
        let embedding = try linear(attributes, scalars, name: "node_embedding.linear.weight", generator: &generator)
        addBuffers()
        let floats = { (values: [Double]) in JSONValue.array(values.map(JSONValue.double)) }
        let config: [String: JSONValue] = [
            "format_version": .int(1), "model_class": .string("ScaleShiftMACE"), "dtype": .string("float64"),
            "atomic_numbers": .array(a.atomicNumbers.map(JSONValue.int)), "num_elements": .int(n),
            "heads": .array([.string("Default")]), "r_max": .double(a.rMax), "num_bessel": .int(a.numBessel),
            "num_polynomial_cutoff": .int(a.numPolynomialCutoff), "radial_type": .string("bessel"),
            "distance_transform": .string("None"), "apply_cutoff": .bool(true), "pair_repulsion": .bool(false),
            "max_ell": .int(a.maxEll), "sh_irreps": .string(sh.description), "sh_normalization": .string("component"),
            "sh_normalize": .bool(true), "num_interactions": .int(a.numInteractions),
            "correlation": .array(Array(repeating: .int(a.correlation), count: a.numInteractions)),
            "hidden_irreps": .string(a.hiddenIrreps.description), "MLP_irreps": .string(a.mlpIrreps.description),
            "radial_MLP": .array(a.radialMLP.map(JSONValue.int)), "gate": .string("silu"),
            "avg_num_neighbors": floats(Array(repeating: a.avgNumNeighbors, count: a.numInteractions)),
            "use_reduced_cg": .bool(false), "use_last_readout_only": .bool(false),
            "normalize2mom_cst": .object([
                "radial_mlp": floats(Array(repeating: MACEArchitecture.siluNormalization, count: a.radialMLP.count)),
                "readout": floats([MACEArchitecture.siluNormalization]),
            ]),
            "node_embedding": embedding, "interactions": .array(interactions), "products": .array(products),
            "readouts": .array(readouts), "atomic_energies": .string("atomic_energies_fn.atomic_energies"),
            "scale_shift": .object(["scale": .string("scale_shift.scale"), "shift": .string("scale_shift.shift")]),
            "sparse_tensors": .object(sparse),
            "versions": .object(["mace": .string("0.3.16"), "e3nn": .string("0.4.4"), "torch": .string("none")]),
            "source": .object(["file": .string("built by SwiftMACE"), "sha256": .string(""), "dtype": .string("float64")]),
        ]
        return SafetensorsWriter.encode(
            tensors: tensors, metadata: ["swiftmace_format": "1", "swiftmace_config": JSONValue.object(config).text])
    }

    /// The buffers mace registers: cutoff, Bessel frequencies, envelope exponent, E0s, scale and shift.
    private mutating func addBuffers() {
        let a = architecture
        add("atomic_numbers", SafetensorsTensor(int64: a.atomicNumbers, shape: [a.atomicNumbers.count]))
        add("r_max", SafetensorsTensor(float64: [a.rMax], shape: []))
        add("num_interactions", SafetensorsTensor(int64: [a.numInteractions], shape: []))
        let frequencies = (1...a.numBessel).map { Double.pi / a.rMax * Double($0) }
        add("radial_embedding.bessel_fn.bessel_weights", SafetensorsTensor(float64: frequencies, shape: [a.numBessel]))
        add("radial_embedding.bessel_fn.r_max", SafetensorsTensor(float64: [a.rMax], shape: []))
        add("radial_embedding.bessel_fn.prefactor", SafetensorsTensor(float64: [(2 / a.rMax).squareRoot()], shape: []))
        add("radial_embedding.cutoff_fn.p", SafetensorsTensor(int64: [a.numPolynomialCutoff], shape: []))
        add("radial_embedding.cutoff_fn.r_max", SafetensorsTensor(float64: [a.rMax], shape: []))
        add("atomic_energies_fn.atomic_energies", SafetensorsTensor(float64: a.atomicEnergies, shape: [a.atomicEnergies.count]))
        add("scale_shift.scale", SafetensorsTensor(float64: [a.scale], shape: [1]))
        add("scale_shift.shift", SafetensorsTensor(float64: [a.shift], shape: [1]))
    }

    private mutating func add(_ name: String, _ tensor: SafetensorsTensor) { tensors.append((name, tensor)) }

    /// A weight of `count` N(0,1) numbers divided by `divisor`.
    private mutating func addRandom(_ name: String, shape: [Int], divisor: Double = 1,
                                    generator: inout some RandomNumberGenerator) {
        let count = shape.reduce(1, *)
        add(name, SafetensorsTensor(float64: (0..<count).map { _ in StandardNormal.sample(&generator) / divisor }, shape: shape))
    }

    /// An e3nn Linear (docs/MODEL_FORMAT.md §3.2) with a new N(0,1) weight.
    private mutating func linear(_ irrepsIn: Irreps, _ irrepsOut: Irreps, name: String,
                                 generator: inout some RandomNumberGenerator) throws -> JSONValue {
        let descriptor = try LinearDescriptor(irrepsIn: irrepsIn, irrepsOut: irrepsOut)
        addRandom(name, shape: [descriptor.weightCount], generator: &generator)
        return .object([
            "irreps_in": .string(irrepsIn.description), "irreps_out": .string(irrepsOut.description),
            "instructions": .array(descriptor.instructions.map { path in
                .object(["i_in": .int(path.input), "i_out": .int(path.output),
                         "path_shape": .array(path.pathShape.map(JSONValue.int)), "path_weight": .double(path.pathWeight)])
            }),
            "weight_numel": .int(descriptor.weightCount), "weight": .string(name),
        ])
    }

    private static func instructions(_ list: [TensorProductInstruction]) -> JSONValue {
        .array(list.map { path in
            .object(["i_in1": .int(path.input1), "i_in2": .int(path.input2), "i_out": .int(path.output),
                     "connection_mode": .string(path.connectionMode.rawValue), "has_weight": .bool(true),
                     "path_weight": .double(path.pathWeight), "path_shape": .array(path.pathShape.map(JSONValue.int))])
        })
    }

    /// One interaction block (MACE.md §6.3–6.4, docs/MODEL_FORMAT.md §3.3).
    private mutating func interaction(
        _ layer: Int, features: Irreps, attributes: Irreps, sh: Irreps, target: Irreps, hidden: Irreps, residual: Bool,
        generator: inout some RandomNumberGenerator
    ) throws -> JSONValue {
        let prefix = "interactions.\(layer)"
        let linearUp = try linear(features, features, name: "\(prefix).linear_up.weight", generator: &generator)
        let conv = try ChannelwiseTensorProductDescriptor(irreps1: features, irreps2: sh, target: target)
        let widths = [architecture.numBessel] + architecture.radialMLP + [conv.weightCount]
        var layers: [JSONValue] = []
        for index in 0..<(widths.count - 1) {
            let name = "\(prefix).conv_tp_weights.layer\(index).weight"
            addRandom(name, shape: [widths[index], widths[index + 1]], generator: &generator)
            let hidden = index < widths.count - 2
            layers.append(.object([
                "weight": .string(name), "h_in": .int(widths[index]), "h_out": .int(widths[index + 1]),
                "var_in": .double(1), "var_out": .double(1), "activation": .string(hidden ? "silu" : "none"),
                "activation_multiplier": .double(hidden ? MACEArchitecture.siluNormalization : 1),
            ]))
        }
        let linearOut = try linear(conv.irrepsMid, target, name: "\(prefix).linear.weight", generator: &generator)
        let skipIn = residual ? features : target, skipOut = residual ? hidden : target
        let skip = try ElementSkipTensorProductDescriptor(irrepsIn: skipIn, elementCount: attributes.dim, irrepsOut: skipOut)
        addRandom("\(prefix).skip_tp.weight", shape: [skip.weightCount], generator: &generator)
        return .object([
            "class": .string(residual ? "RealAgnosticResidualInteractionBlock" : "RealAgnosticInteractionBlock"),
            "residual": .bool(residual), "avg_num_neighbors": .double(architecture.avgNumNeighbors),
            "node_attrs_irreps": .string(attributes.description), "node_feats_irreps": .string(features.description),
            "edge_attrs_irreps": .string(sh.description), "edge_feats_irreps": .string("\(architecture.numBessel)x0e"),
            "edge_irreps": .string(features.description), "target_irreps": .string(target.description),
            "hidden_irreps": .string(hidden.description), "radial_MLP": .array(architecture.radialMLP.map(JSONValue.int)),
            "linear_up": linearUp,
            "conv_tp": .object([
                "class": .string("TensorProduct"), "irreps_in1": .string(features.description),
                "irreps_in2": .string(sh.description), "irreps_out": .string(conv.irrepsMid.description),
                "instructions": Self.instructions(conv.instructions), "weight_numel": .int(conv.weightCount),
                "internal_weights": .bool(false), "shared_weights": .bool(false),
            ]),
            "conv_tp_weights": .object([
                "hs": .array(widths.map(JSONValue.int)), "activation": .string("silu"),
                "normalize2mom_cst": .double(MACEArchitecture.siluNormalization), "layers": .array(layers),
            ]),
            "linear": linearOut,
            "skip_tp": .object([
                "class": .string("FullyConnectedTensorProduct"), "irreps_in1": .string(skipIn.description),
                "irreps_in2": .string(attributes.description), "irreps_out": .string(skipOut.description),
                "instructions": Self.instructions(skip.instructions), "weight_numel": .int(skip.weightCount),
                "internal_weights": .bool(true), "shared_weights": .bool(true), "weight": .string("\(prefix).skip_tp.weight"),
            ]),
        ])
    }

    /// One product-basis block (MACE.md §7, docs/MODEL_FORMAT.md §3.4): a symmetric contraction per output irrep.
    private mutating func product(
        _ layer: Int, target: Irreps, hidden: Irreps, useSC: Bool, generator: inout some RandomNumberGenerator
    ) throws -> JSONValue {
        let a = architecture
        let coupling = Irreps(target.entries.map { MulIrrep(1, $0.irrep) })
        var contractions: [JSONValue] = []
        for (index, entry) in hidden.entries.enumerated() {
            let prefix = "products.\(layer).symmetric_contractions.contractions.\(index)"
            var shapes: [String: JSONValue] = [:], uNames: [String: JSONValue] = [:], weightNames: [String: JSONValue] = [:]
            var columns: [Int: Int] = [:]
            for nu in 1...a.correlation {
                let u = try UMatrix.generate(couplingIrreps: coupling, output: entry.irrep, correlation: nu)
                let shape = entry.irrep.l == 0 ? Array(u.shape.dropFirst()) : u.shape
                let name = "\(prefix).U_matrix_\(nu)"
                let nonZeros = u.values.enumerated().filter { $0.element != 0 }
                add(name + ".sparse_indices", SafetensorsTensor(int64: nonZeros.map(\.offset), shape: [nonZeros.count]))
                add(name + ".sparse_values", SafetensorsTensor(float64: nonZeros.map(\.element), shape: [nonZeros.count]))
                sparse[name] = .object(["shape": .array(shape.map(JSONValue.int)),
                                        "indices": .string(name + ".sparse_indices"), "values": .string(name + ".sparse_values")])
                shapes["\(nu)"] = .array(shape.map(JSONValue.int))
                uNames["\(nu)"] = .string(name)
                columns[nu] = u.shape.last ?? 0
            }
            // mace registers weights_max (ν = correlation) first, then weights.j for ν = correlation − 1 − j.
            for nu in stride(from: a.correlation, through: 1, by: -1) {
                let name = nu == a.correlation ? "\(prefix).weights_max" : "\(prefix).weights.\(a.correlation - 1 - nu)"
                let k = columns[nu] ?? 0
                addRandom(name, shape: [a.atomicNumbers.count, k, entry.mul], divisor: Double(max(k, 1)), generator: &generator)
                weightNames["\(nu)"] = .string(name)
            }
            contractions.append(.object([
                "correlation": .int(a.correlation), "dim_out": .int(entry.irrep.dimension),
                "coupling_irreps": .string(coupling.description), "coupling_dim": .int(coupling.dim),
                "num_features": .int(entry.mul), "U_shapes": .object(shapes), "U": .object(uNames),
                "weights": .object(weightNames), "irrep_out": .string(entry.irrep.description), "mul_out": .int(entry.mul),
            ]))
        }
        let linearOut = try linear(hidden, hidden, name: "products.\(layer).linear.weight", generator: &generator)
        return .object([
            "use_sc": .bool(useSC), "correlation": .int(a.correlation), "irreps_in": .string(target.description),
            "irreps_out": .string(hidden.description), "contractions": .array(contractions), "linear": linearOut,
        ])
    }

    /// mace's NonLinearReadoutBlock on the last layer: `linear_2(silu(linear_1(h)) · cst)`.
    private mutating func nonLinearReadout(_ layer: Int, hidden: Irreps, generator: inout some RandomNumberGenerator) throws -> JSONValue {
        let mlp = architecture.mlpIrreps.simplified()
        let first = try linear(hidden, mlp, name: "readouts.\(layer).linear_1.weight", generator: &generator)
        let second = try linear(mlp, Irreps([MulIrrep(1, Irrep(0, .even))]), name: "readouts.\(layer).linear_2.weight",
                                generator: &generator)
        return .object([
            "class": .string("NonLinearReadoutBlock"), "feature_layer": .int(layer), "num_heads": .int(1),
            "linear_1": first, "activation": .string("silu"), "normalize2mom_cst": .double(MACEArchitecture.siluNormalization),
            "hidden_irreps": .string(mlp.description), "linear_2": second,
        ])
    }
}

/// Standard normal numbers by the Box–Muller transform (53-bit uniforms; u₁ in (0, 1] so the log is finite).
enum StandardNormal {
    static func sample(_ generator: inout some RandomNumberGenerator) -> Double {
        let u1 = 1 - Double(generator.next() >> 11) * 0x1p-53
        let u2 = Double(generator.next() >> 11) * 0x1p-53
        return (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2)
    }
}
