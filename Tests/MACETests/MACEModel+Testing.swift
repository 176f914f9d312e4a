// SwiftMACE, MIT licence.
// Test helpers on MACEModel: intermediate node features of a forward pass, and transformed configurations.

import Atoms
import Equivariance
@testable import MACE
import Tensors

extension MACEModel {
    /// The node embedding `[N·C]` and each layer's product output `[N·dim]` (row-major), without gradients.
    func nodeFeatures(_ configurations: [Configuration]) throws -> (embedding: [Double], products: [[Double]]) {
        let graph = try AtomicGraph(configurations: configurations, atomicNumbers: config.atomicNumbers, cutoff: config.rMax)
        let positions = try Tensor(graph.positions.flatMap { [$0.x, $0.y, $0.z] }, shape: [graph.numNodes, 3])
        let pass = try withoutGradient { try forward(graph, positions: positions, strain: nil) }
        return (pass.nodeEmbedding.toArray(), pass.features.map { $0.toArray() })
    }
}

extension OrthogonalMatrix {
    /// The matrix as Matrix3 rows.
    var matrix3: Matrix3 { Matrix3(rows: rows[0], rows[1], rows[2]) }
}
