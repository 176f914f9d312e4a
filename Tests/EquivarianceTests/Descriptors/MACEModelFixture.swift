// SwiftMACE, MIT licence.
// Access to the exported mace-torch fixture models (Tests/Fixtures/mace/, docs/MODEL_FORMAT.md): config JSON,
// tensors, and recorded per-layer intermediates of the reference runs.

import Foundation
import TestSupport

@testable import Equivariance

struct MACEModelFixture {
    let file: SafetensorsTestReader
    let config: [String: Any]

    init(_ name: String) throws {
        file = try SafetensorsTestReader(contentsOf: Fixtures.url("mace/\(name).safetensors"))
        config = try JSONSerialization.jsonObject(with: Data((file.metadata["swiftmace_config"] ?? "").utf8))
            as? [String: Any] ?? [:]
    }

    func products(_ layer: Int) -> [String: Any] { (config["products"] as? [[String: Any]] ?? [])[layer] }
    func interaction(_ layer: Int) -> [String: Any] { (config["interactions"] as? [[String: Any]] ?? [])[layer] }
    var atomicNumbers: [Int] { config["atomic_numbers"] as? [Int] ?? [] }

    /// The U matrices `[o][ν−1]` and weights `[o][ν−1]` (`[n_el, K, C]` flat) of a product layer.
    func contractions(_ layer: Int) throws -> (u: [[DenseArray]], w: [[[Double]]], outputs: [String]) {
        let list = products(layer)["contractions"] as? [[String: Any]] ?? []
        var u: [[DenseArray]] = []
        var w: [[[Double]]] = []
        for contraction in list {
            let names = contraction["U"] as? [String: String] ?? [:]
            let shapes = contraction["U_shapes"] as? [String: [Int]] ?? [:]
            let weights = contraction["weights"] as? [String: String] ?? [:]
            let nus = names.keys.compactMap(Int.init).sorted()
            u.append(try nus.map { nu in
                let shape = shapes["\(nu)"] ?? []
                return DenseArray(shape: shape, values: try file.denseFromSparse(names["\(nu)"] ?? "", shape: shape))
            })
            w.append(try nus.map { try file.doubles(weights["\($0)"] ?? "").values })
        }
        return (u, w, list.map { $0["irrep_out"] as? String ?? "" })
    }

    /// A recorded reference run: `intermediates.layers[layer][key]` rows and the one-hot index of the first nodes.
    static func reference(_ name: String, layer: Int, key: String) throws -> [[Double]] {
        let json = try JSONSerialization.jsonObject(with: try Fixtures.data("mace/\(name).json")) as? [String: Any]
        let intermediates = json?["intermediates"] as? [String: Any]
        let layers = intermediates?["layers"] as? [[String: Any]] ?? []
        return layers[layer][key] as? [[Double]] ?? []
    }

    static func atomicNumbersOfBatch(_ name: String) throws -> [Int] {
        let json = try JSONSerialization.jsonObject(with: try Fixtures.data("mace/\(name).json")) as? [String: Any]
        let graphs = json?["graphs"] as? [[String: Any]] ?? []
        return graphs.flatMap { $0["atomic_numbers"] as? [Int] ?? [] }
    }
}
