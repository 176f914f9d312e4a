// SwiftMACE, MIT licence.
// The MACE forward pass on a batched graph (MACE.md §13): edge geometry with the symmetric-strain displacement
// (§8.5), embeddings, interaction/product layers, readouts, scale/shift and E0 (§8.3).

import Atoms
import Tensors

/// The differentiable results of one forward pass.
struct ForwardPass {
    /// E0 + interaction energy per node, `[N]` (model dtype).
    let nodeEnergies: Tensor
    /// Energy per graph `[G]`.
    let graphEnergies: Tensor
    /// Node embedding `[N, C]`.
    let nodeEmbedding: Tensor
    /// Per layer: the message (mul_ir, after linear / avg_num_neighbors and the non-residual skip TP), `sc`, the
    /// product output, and the readout energy (nil for layers without one).
    let messages: [Tensor]
    let residuals: [Tensor?]
    let features: [Tensor]
    let readouts: [Tensor?]
}

extension MACEModel {
    /// Runs the model on `graph`.
    /// - Parameters:
    ///   - positions: float64 `[N, 3]` (Å), usually requiring grad.
    ///   - strain: float64 `[G, 3, 3]` displacement ε (zeros requiring grad) for virials and stress, or nil.
    func forward(_ graph: AtomicGraph, positions: Tensor, strain: Tensor?) throws -> ForwardPass {
        let (n, numElements) = (graph.numNodes, config.atomicNumbers.count)
        let elements = Tensor(indices: graph.elements)
        var oneHot = [Double](repeating: 0, count: n * numElements)
        for (node, element) in graph.elements.enumerated() { oneHot[node * numElements + Int(element)] = 1 }
        let attributes = try Tensor(oneHot, shape: [n, numElements], dtype: dtype)
        let senders = Tensor(indices: graph.senders), receivers = Tensor(indices: graph.receivers)
        let unitShifts = try Tensor(graph.unitShifts.flatMap { [$0.x, $0.y, $0.z] }, shape: [graph.numEdges, 3])
        let cells = try Tensor(graph.cells.flatMap(\.rowMajor), shape: [graph.numGraphs, 3, 3])
        let edgeGraphs = Tensor(indices: graph.edgeGraphs)

        // Edge vectors in float64 (MACE.md §4.1, §8.5): pos' = pos + pos·ε_s, shifts = S·(cell + cell·ε_s).
        var strainedPositions = positions, strainedCells = cells
        if let strain {
            let symmetric = (strain + strain.transposed()) * 0.5
            let nodeStrain = try gather(symmetric, indices: Tensor(indices: graph.batch), axis: 0)
            strainedPositions = positions + matmul(positions.reshaped([n, 1, 3]), nodeStrain).reshaped([n, 3])
            strainedCells = cells + matmul(cells, symmetric)
        }
        let edgeCells = try gather(strainedCells, indices: edgeGraphs, axis: 0)
        let shifts = matmul(unitShifts.reshaped([graph.numEdges, 1, 3]), edgeCells).reshaped([graph.numEdges, 3])
        let vectors64 = try gather(strainedPositions, indices: receivers, axis: 0)
            - gather(strainedPositions, indices: senders, axis: 0) + shifts
        let vectors = try vectors64.converted(to: dtype)
        let (radialFeatures, envelopeOnWeights) = profiled("radial basis") {
            let lengths = vectors.squared().sum(axis: 1, keepDims: true).sqrtSafe()
            let bessel = radialEmbedding.bessel(lengths), envelope = radialEmbedding.envelope(lengths)
            return config.applyCutoff ? (bessel * envelope, nil) : (bessel, envelope)
        }
        let graphTensors = GraphTensors(
            nodeAttributes: attributes, elements: graph.elements.map(Int.init),
            edges: EdgeIndexing(senders: graph.senders.map(Int.init), receivers: graph.receivers.map(Int.init)),
            radialFeatures: radialFeatures, envelopeOnWeights: envelopeOnWeights,
            edgeAttributes: profiled("spherical harmonics") { sphericalHarmonics(vectors) })

        let embedding = try profiled("linears") { try nodeEmbedding(attributes) }
        var h = embedding
        var messages: [Tensor] = [], residuals: [Tensor?] = [], features: [Tensor] = []
        for (interaction, product) in zip(interactions, products) {
            let (message, sc) = try interaction(h, graph: graphTensors)
            h = try product(message, sc: sc, elements: graphTensors.elements)
            messages.append(message)
            residuals.append(sc)
            features.append(h)
        }
        var layerReadouts = [Tensor?](repeating: nil, count: features.count)
        var interactionEnergy = Tensor.filledZeros([n], dtype: dtype)
        for readout in readouts {
            let e = try profiled("readouts") { try readout(features[readout.featureLayer]) }
            layerReadouts[readout.featureLayer] = e
            interactionEnergy = interactionEnergy + e
        }
        if let (scale, shift) = scaleShift { interactionEnergy = interactionEnergy * scale + shift }
        let nodeEnergies = try gather(atomicEnergies, indices: elements, axis: 0) + interactionEnergy
        let graphEnergies = try scatterSum(nodeEnergies, indices: Tensor(indices: graph.batch), axis: 0,
                                           count: graph.numGraphs)
        return ForwardPass(nodeEnergies: nodeEnergies, graphEnergies: graphEnergies, nodeEmbedding: embedding,
                           messages: messages, residuals: residuals, features: features, readouts: layerReadouts)
    }
}
