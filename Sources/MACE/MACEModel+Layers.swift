// SwiftMACE, MIT licence.
// The model's layers as plain numbers and descriptors (package access), for executors outside this target (the
// CUDA model in MACECUDA): every weight as [Double] in the file's layout, every constant the forward pass uses.

import Equivariance

/// An e3nn Linear: its descriptor and flat weight (row-major `[mul_in, mul_out]` blocks in instruction order).
package struct LinearLayer: Sendable {
    package let descriptor: LinearDescriptor
    package let weight: [Double]
}

/// mace's skip_tp: `z = α_path · x · W[:, element, :]` per instruction; weight blocks `[mul1, n_el, mul_out]`.
package struct SkipLayer: Sendable {
    package let descriptor: ElementSkipTensorProductDescriptor
    package let weight: [Double]
}

/// One radial-MLP layer: `z = x · weight · scale`, then `activation(z)` unless `activation` is nil. `scale` already
/// carries the previous layer's normalize2mom constant (as the CPU model does); `activationScale` still has to be
/// applied after the last layer only.
package struct RadialLayer: Sendable {
    package let inputs: Int
    package let outputs: Int
    /// Row-major `[inputs, outputs]`.
    package let weight: [Double]
    package let scale: Double
    /// "silu" or "tanh"; nil for a linear layer.
    package let activation: String?
    package let activationScale: Double
}

package struct InteractionLayer: Sendable {
    package let residual: Bool
    package let avgNumNeighbors: Double
    package let linearUp: LinearLayer
    package let radialMLP: [RadialLayer]
    package let conv: ChannelwiseTensorProductDescriptor
    package let linear: LinearLayer
    package let skip: SkipLayer
}

package struct ProductLayer: Sendable {
    package let contraction: SymmetricContractionDescriptor
    /// Per polynomial weight input (`contraction.weightInput(output:correlation:)`): `[n_el, K·C]` flat.
    package let contractionWeights: [[Double]]
    package let linear: LinearLayer
    package let useSC: Bool
}

package struct ReadoutLayer: Sendable {
    package let featureLayer: Int
    package let first: LinearLayer
    /// For a non-linear readout: the activation name, its normalize2mom constant, and the second linear.
    package let hidden: (activation: String?, scale: Double, second: LinearLayer)?
}

/// Everything the forward pass of ``MACEModel`` reads, as numbers.
package struct MACELayers: Sendable {
    package let numElements: Int
    package let maxEll: Int
    /// Bessel frequencies `[num_bessel]`, prefactor, cutoff r_max (Å) and envelope exponent p.
    package let besselWeights: [Double]
    package let besselPrefactor: Double
    package let rMax: Double
    package let envelopeExponent: Int
    package let applyCutoff: Bool
    package let embedding: LinearLayer
    package let interactions: [InteractionLayer]
    package let products: [ProductLayer]
    package let readouts: [ReadoutLayer]
    /// E0 per element, eV.
    package let atomicEnergies: [Double]
    /// Interaction energy → `scale · e + shift` (1 and 0 for MACE).
    package let scale: Double
    package let shift: Double
}

extension MACEModel {
    /// The model's layers and constants as numbers (weights in the model's dtype, widened to Double).
    package var layers: MACELayers {
        func linear(_ layer: EquivariantLinear) -> LinearLayer {
            LinearLayer(descriptor: layer.descriptor, weight: layer.weight.toArray())
        }
        let interactionLayers = interactions.map { block in
            var carried = 1.0
            let radial = zip(block.radialMLP.config.layers, block.radialMLP.weights).map { layer, weight in
                defer { carried = layer.activation == .none ? 1 : layer.activationScale }
                return RadialLayer(
                    inputs: layer.inputs, outputs: layer.outputs, weight: weight.toArray(),
                    scale: layer.weightScale * carried, activation: layer.activation == .none ? nil : layer.activation.rawValue,
                    activationScale: layer.activation == .none ? 1 : layer.activationScale)
            }
            return InteractionLayer(
                residual: block.config.residual, avgNumNeighbors: block.config.avgNumNeighbors,
                linearUp: linear(block.linearUp), radialMLP: radial, conv: block.convTP.descriptor,
                linear: linear(block.linear),
                skip: SkipLayer(descriptor: block.skipTP.descriptor, weight: block.skipTP.weight.toArray()))
        }
        let productLayers = products.map { block in
            ProductLayer(
                contraction: block.contraction.descriptor,
                contractionWeights: block.contraction.weights.flatMap { $0.map { $0.toArray() } },
                linear: linear(block.linear), useSC: block.config.useSC)
        }
        let readoutLayers = readouts.map { readout -> ReadoutLayer in
            switch readout.kind {
            case .linear(let layer):
                return ReadoutLayer(featureLayer: readout.featureLayer, first: linear(layer), hidden: nil)
            case .nonLinear(let first, let activation, let cst, let second):
                return ReadoutLayer(
                    featureLayer: readout.featureLayer, first: linear(first),
                    hidden: (activation == .none ? nil : activation.rawValue, cst, linear(second)))
            }
        }
        return MACELayers(
            numElements: config.atomicNumbers.count, maxEll: config.maxEll,
            besselWeights: radialEmbedding.besselWeights.toArray(), besselPrefactor: radialEmbedding.prefactor,
            rMax: radialEmbedding.rMax, envelopeExponent: radialEmbedding.p, applyCutoff: config.applyCutoff,
            embedding: linear(nodeEmbedding), interactions: interactionLayers, products: productLayers,
            readouts: readoutLayers, atomicEnergies: atomicEnergies.toArray(), scale: scaleShift?.scale ?? 1,
            shift: scaleShift?.shift ?? 0)
    }
}
