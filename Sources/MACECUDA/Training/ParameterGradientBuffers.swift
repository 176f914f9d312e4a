// SwiftMACE, MIT licence.
// ParameterGradientBuffers: the device gradients of every weight as the device holds it (per path, per radial layer,
// per contraction column), and their mapping back to the model's parameters in mace's order.

import CUDA
import Equivariance
import MACE

/// Gradient buffers shaped as the device weights, written by a training pass.
struct ParameterGradientBuffers {
    struct Layer {
        let linearUp: [DeviceBuffer]
        let radial: [DeviceBuffer]
        let linear: [DeviceBuffer]
        let skip: [DeviceBuffer]
        /// `[n_el, columns, C]` (``SymmetricContractionKernelSource`` weight columns).
        let contraction: DeviceBuffer
        let productLinear: [DeviceBuffer]
    }

    let embedding: [DeviceBuffer]
    let layers: [Layer]
    let readouts: [(first: [DeviceBuffer], second: [DeviceBuffer]?)]

    init(model: CUDAMACEModel) throws {
        let runner = model.runner
        embedding = try model.embedding.gemms.gradientBuffers(runner)
        layers = try model.layers.map { layer in
            let source = layer.contraction.source
            return Layer(
                linearUp: try layer.linearUp.gemms.gradientBuffers(runner),
                radial: try layer.radialMLP.map { try runner.buffer($0.inputs * $0.outputs) },
                linear: try layer.linear.gemms.gradientBuffers(runner),
                skip: try layer.skip.gemms.gradientBuffers(runner),
                contraction: try runner.buffer(model.elementCount * source.plan.weightColumns.count * source.plan.channels),
                productLinear: try layer.productLinear.gemms.gradientBuffers(runner))
        }
        readouts = try model.readouts.map { readout in
            (try readout.first.gemms.gradientBuffers(runner), try readout.hidden.map { try $0.second.gemms.gradientBuffers(runner) })
        }
    }

    /// Downloads the gradients and maps them to the model's parameters: flat, in `parameterNames` order (embedding;
    /// per interaction linear_up, radial layers, linear, skip TP; per product the contractions' weights, ν from the
    /// correlation down, then its linear; readouts), each the model's layout.
    func download(_ model: CUDAMACEModel) throws -> [[Double]] {
        let runner = model.runner
        func paths(_ gemms: PathGEMMs, _ buffers: [DeviceBuffer]) throws -> [Double] {
            gemms.modelGradient(
                try zip(gemms.paths, buffers).map { path, buffer in
                    try runner.download(buffer, count: path.mulIn * gemms.elementCount * path.mulOut)
                })
        }
        let description = model.model.layers
        var result = [try paths(model.embedding.gemms, embedding)]
        for (index, (layer, g)) in zip(model.layers, layers).enumerated() {
            result.append(try paths(layer.linearUp.gemms, g.linearUp))
            for (mlp, buffer) in zip(description.interactions[index].radialMLP, g.radial) {
                result.append(try runner.download(buffer, count: mlp.inputs * mlp.outputs).map { $0 * mlp.scale })
            }
            result.append(try paths(layer.linear.gemms, g.linear))
            result.append(try paths(layer.skip.gemms, g.skip))
        }
        for (index, (layer, g)) in zip(model.layers, layers).enumerated() {
            let descriptor = description.products[index].contraction
            result += try contractionGradients(layer, g.contraction, descriptor: descriptor, model: model)
            result.append(try paths(layer.productLinear.gemms, g.productLinear))
        }
        for (readout, g) in zip(model.readouts, readouts) {
            result.append(try paths(readout.first.gemms, g.first))
            if let (_, _, second) = readout.hidden, let secondBuffers = g.second {
                result.append(try paths(second.gemms, secondBuffers))
            }
        }
        return result
    }

    /// The contraction weights' gradients `[n_el, K·C]` per (output o, ν = correlation…1), from the per-column sums.
    private func contractionGradients(
        _ layer: DeviceLayer, _ buffer: DeviceBuffer, descriptor: SymmetricContractionDescriptor, model: CUDAMACEModel
    ) throws -> [[Double]] {
        let source = layer.contraction.source
        let columns = source.plan.weightColumns
        let channels = source.plan.channels
        let elements = model.elementCount
        let sums = try model.runner.download(buffer, count: elements * columns.count * channels)
        let correlation = descriptor.correlation
        var result: [[Double]] = []
        for o in 0..<descriptor.irrepsOut.entries.count {
            for nu in stride(from: correlation, through: 1, by: -1) {
                let input = descriptor.weightInput(output: o, correlation: nu)
                let k = descriptor.weightColumns(output: o, correlation: nu)
                var gradient = [Double](repeating: 0, count: elements * k * channels)
                for (j, column) in columns.enumerated() where column.input == input {
                    for element in 0..<elements {
                        for u in 0..<channels {
                            gradient[(element * k + column.column) * channels + u] +=
                                sums[(element * columns.count + j) * channels + u]
                        }
                    }
                }
                result.append(gradient)
            }
        }
        return result
    }
}
