// SwiftMACE, MIT licence.
// MACEReference: the mace-torch outputs recorded in Tests/Fixtures/mace/<model>__<structure>.json
// (made by tools/fixtures/make_mace_fixtures.py), and the model and structures they belong to.

import Atoms
import Foundation
import MACE
import Tensors
import TestSupport

/// The reference outputs of one fixture; float32 models use `outputs_float64` (same weights, evaluated in float64).
struct MACEReference {
    let energies: [Double]
    let nodeEnergies: [Double]
    let forces: [[Double]]
    let virials: [[[Double]]]
    let stress: [[[Double]]?]
    /// First recorded nodes of the node embedding and of each layer's product output.
    let numNodesRecorded: Int
    let nodeEmbedding: [[Double]]
    let products: [[[Double]]]
    /// The structures exactly as mace read them (full-precision positions and cells).
    let configurations: [Configuration]

    init(model: String, structure: String) throws {
        let value = try JSONParser.parse([UInt8](try Fixtures.data("mace/\(model)__\(structure).json")), file: "fixture")
        let outputs = value["outputs_float64"] ?? value["outputs"]
        energies = outputs?["energy"]?.numbers ?? []
        nodeEnergies = outputs?["node_energy"]?.numbers ?? []
        forces = outputs?["forces"]?.matrix ?? []
        virials = outputs?["virials"]?.array?.map { $0.matrix ?? [] } ?? []
        stress = outputs?["stress"]?.array?.map(\.matrix) ?? []
        configurations = value["graphs"]?.array?.map { graph in
            let positions = (graph["positions"]?.matrix ?? []).map { SIMD3($0[0], $0[1], $0[2]) }
            let pbc = graph["pbc"]?.array?.map { $0 == .bool(true) } ?? [false, false, false]
            return Configuration(
                atomicNumbers: (graph["atomic_numbers"]?.numbers ?? []).map { Int($0) }, positions: positions,
                cell: Matrix3(rowMajor: graph["cell"]?.numbers ?? [Double](repeating: 0, count: 9)),
                pbc: PBC(pbc[0], pbc[1], pbc[2]))
        } ?? []
        let intermediates = value["intermediates"]
        numNodesRecorded = intermediates?["num_nodes_recorded"]?.numbers.first.map(Int.init) ?? 0
        nodeEmbedding = intermediates?["node_embedding"]?.matrix ?? []
        products = intermediates?["layers"]?.array?.map { $0["product"]?.matrix ?? [] } ?? []
    }

    static func model(_ name: String, dtype: DType = .float64) throws -> MACEModel {
        try MACEModel(contentsOf: Fixtures.url("mace/\(name).safetensors"), dtype: dtype)
    }
}

extension JSONValue {
    subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self, let member = members[key], member != .null else { return nil }
        return member
    }

    var array: [JSONValue]? {
        guard case .array(let items) = self else { return nil }
        return items
    }

    var numbers: [Double] {
        switch self {
        case .int(let integer): [Double(integer)]
        case .double(let real): [real]
        case .array(let items): items.flatMap(\.numbers)
        default: []
        }
    }

    var matrix: [[Double]]? { array?.map(\.numbers) }
}
