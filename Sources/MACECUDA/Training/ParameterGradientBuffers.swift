// SwiftMACE, MIT licence.
// ParameterGradientBuffers: the device gradients of every weight as the device holds it (per path, per radial layer,
// per contraction column), and their mapping back to the model's parameters in mace's order.

import CUDA
import Equivariance
import MACE

/// A gradient's place in the arena: `count` scalars from element `offset`.
struct GradientSlice {
    let offset: Int
    let count: Int
}

/// Gradients shaped as the device weights, written by a training pass: slices of one arena, zeroed once per pass and
/// downloaded in one copy.
struct ParameterGradientBuffers {
    struct Layer {
        let linearUp: [GradientSlice]
        let radial: [GradientSlice]
        let linear: [GradientSlice]
        let skip: [GradientSlice]
        /// `[n_el, columns, C]` (``MonomialContraction/weightColumns``).
        let contraction: GradientSlice
        let productLinear: [GradientSlice]
    }

    let arena: DeviceBuffer
    let count: Int
    let elementSize: Int
    let embedding: [GradientSlice]
    let layers: [Layer]
    let readouts: [(first: [GradientSlice], second: [GradientSlice]?)]

    init(model: CUDAMACEModel) throws {
        var used = 0
        func take(_ count: Int) -> GradientSlice {
            defer { used += count }
            return GradientSlice(offset: used, count: count)
        }
        func slices(_ gemms: PathGEMMs) -> [GradientSlice] {
            gemms.paths.map { take($0.mulIn * gemms.elementCount * $0.mulOut) }
        }
        embedding = slices(model.embedding.gemms)
        layers = model.layers.map { layer in
            let plan = layer.contraction.source.plan
            return Layer(
                linearUp: slices(layer.linearUp.gemms), radial: layer.radialMLP.map { take($0.inputs * $0.outputs) },
                linear: slices(layer.linear.gemms), skip: slices(layer.skip.gemms),
                contraction: take(model.elementCount * plan.weightColumns.count * plan.channels),
                productLinear: slices(layer.productLinear.gemms))
        }
        readouts = model.readouts.map { readout in
            (slices(readout.first.gemms), readout.hidden.map { slices($0.second.gemms) })
        }
        arena = try model.runner.buffer(used)
        count = used
        elementSize = model.runner.elementSize
    }

    /// The device address of a slice.
    func address(_ slice: GradientSlice) -> UInt64 { arena.address &+ UInt64(slice.offset * elementSize) }

    func addresses(_ slices: [GradientSlice]) -> [UInt64] { slices.map(address) }

    /// Downloads the gradients and maps them to the model's parameters: flat, in `parameterNames` order (embedding;
    /// per interaction linear_up, radial layers, linear, skip TP; per product the contractions' weights, ν from the
    /// correlation down, then its linear; readouts), each the model's layout. One pass over the arena with plain
    /// loops (closures over ~10⁶ values cost milliseconds, which a small system's training step would feel).
    func download(_ model: CUDAMACEModel) throws -> [[Double]] {
        let values = try model.runner.download(arena, count: count)
        return values.withUnsafeBufferPointer { v in
            /// The slices one after another, each times its factor (a device weight's gradient is the model's
            /// divided by the factor folded into that weight at upload).
            func scaled(_ slices: [GradientSlice], _ factors: [Double]) -> [Double] {
                let total = slices.reduce(0) { $0 + $1.count }
                return [Double](unsafeUninitializedCapacity: total) { out, initialized in
                    var at = 0
                    for (slice, factor) in zip(slices, factors) {
                        for i in 0..<slice.count { out[at + i] = v[slice.offset + i] * factor }
                        at += slice.count
                    }
                    initialized = total
                }
            }
            func paths(_ gemms: PathGEMMs, _ slices: [GradientSlice]) -> [Double] { scaled(slices, gemms.factors) }
            var result = [paths(model.embedding.gemms, embedding)]
            for (layer, g) in zip(model.layers, layers) {
                result.append(paths(layer.linearUp.gemms, g.linearUp))
                for (mlp, slice) in zip(layer.radialMLP, g.radial) { result.append(scaled([slice], [mlp.scale])) }
                result.append(paths(layer.linear.gemms, g.linear))
                result.append(paths(layer.skip.gemms, g.skip))
            }
            for (layer, g) in zip(model.layers, layers) {
                result += contractionGradients(layer, UnsafeBufferPointer(rebasing: v[g.contraction.offset...]), model: model)
                result.append(paths(layer.productLinear.gemms, g.productLinear))
            }
            for (readout, g) in zip(model.readouts, readouts) {
                result.append(paths(readout.first.gemms, g.first))
                if let (_, _, second) = readout.hidden, let secondBuffers = g.second {
                    result.append(paths(second.gemms, secondBuffers))
                }
            }
            return result
        }
    }

    /// The contraction weights' gradients `[n_el, K·C]` per (output o, ν = correlation…1), from the per-column sums.
    private func contractionGradients(
        _ layer: DeviceLayer, _ sums: UnsafeBufferPointer<Double>, model: CUDAMACEModel
    ) -> [[Double]] {
        let descriptor = layer.contractionDescriptor
        let source = layer.contraction.source
        let columns = source.plan.weightColumns
        let channels = source.plan.channels
        let elements = model.elementCount
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
