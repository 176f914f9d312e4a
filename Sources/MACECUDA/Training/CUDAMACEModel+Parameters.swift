// SwiftMACE, MIT licence.
// Replacing the model's weights on the device in place (training updates them every step; the buffers, and so the
// captured CUDA graphs, stay the same), with every factor and derived table the upload folded in.

import CUDA
import MACE

extension CUDAMACEModel {
    /// Uploads `model`'s current parameters into the device weights (same architecture as the model this was built
    /// from): linears, skip TPs and readouts with their folded factors, the radial MLPs (and their split or fused
    /// forms), the symmetric contractions' coefficient tables.
    /// - Throws: `CUDAError.invalidArgument` when `model` has another architecture.
    public func setParameters(_ model: MACEModel) throws {
        let description = model.layers
        guard description.interactions.count == layers.count, description.readouts.count == readouts.count,
            model.parameterValues.map(\.shape) == self.model.parameterValues.map(\.shape)
        else {
            throw CUDAError.invalidArgument(
                "setParameters: the model's parameters do not have the shapes of the model this GPU model was built from")
        }
        try embedding.gemms.setWeights(description.embedding.weight, runner)
        for (layer, (interaction, product)) in zip(layers, zip(description.interactions, description.products)) {
            try layer.setWeights(interaction: interaction, product: product, elementCount: elementCount, runner: runner)
        }
        for (readout, layer) in zip(readouts, description.readouts) {
            try readout.first.gemms.setWeights(layer.first.weight, runner)
            if let (_, _, second) = readout.hidden, let secondLayer = layer.hidden?.second {
                try second.gemms.setWeights(secondLayer.weight, runner)
            }
        }
        try stream.synchronize()
    }
}

extension DeviceLayer {
    /// Replaces this layer's device weights with `interaction`'s and `product`'s, transformed as at upload.
    func setWeights(
        interaction: InteractionLayer, product: ProductLayer, elementCount: Int, runner: GEMMRunner
    ) throws {
        try linearUp.gemms.setWeights(interaction.linearUp.weight, runner)
        try linear.gemms.setWeights(interaction.linear.weight, runner)
        try skip.gemms.setWeights(interaction.skip.weight, runner)
        try productLinear.gemms.setWeights(product.linear.weight, runner)
        for (device, layer) in zip(radialMLP, interaction.radialMLP) {
            try runner.overwriteWeights(device.weight, with: layer.deviceWeight)
            if let split = device.splitWeight { try runner.overwrite(split, with: Self.split3(layer.deviceWeight)) }
        }
        if let hidden = hiddenWeights { try runner.overwrite(hidden, with: Self.hiddenWeights(interaction)) }
        if let split = lastWeightSplit, let last = interaction.radialMLP.last {
            try runner.overwrite(split, with: Self.lastWeightSplit(last))
        }
        if let fusedConv, let last = interaction.radialMLP.last {
            try fusedConv.setWeights(last.deviceWeight, stream: runner.stream)
        }
        try runner.overwrite(
            coefficients, with: try Self.coefficientTable(contraction.source.plan, product, elementCount: elementCount))
    }
}
