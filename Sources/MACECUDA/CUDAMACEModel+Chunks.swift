// SwiftMACE, MIT licence.
// The edge-chunked conv stages: the radial MLP's last layer and the conv kernels run per chunk of receivers
// (forward, d/dR and d/dSH) and per chunk of senders (d/dx), so the edge weights `[E, weight_numel]` never exist
// whole; the backward recomputes them per chunk from the kept pre-activations.

import CUDA
import Equivariance
import EquivarianceCUDA

extension CUDAMACEModel {
    /// Device address of row `row` of a buffer of `width`-wide rows of the model's scalar.
    private func row(_ buffer: DeviceBuffer, _ row: Int, width: Int) -> UInt64 {
        buffer.address &+ UInt64(row * width * scalar.byteSize)
    }

    /// The last radial layer's input for edges `ids` (int32 edge IDs at that address) or `base..<base + rows`:
    /// `act(z)` of the layer before it (recomputed from the kept pre-activation), or the radial basis; then its
    /// output (the chunk's conv weights) in `chunkWeights`.
    private func chunkEdgeWeights(
        layer: DeviceLayer, index t: Int, _ w: Workspace, rows: Int, ids: UInt64, base: Int
    ) throws -> DeviceBuffer? {
        guard let last = layer.radialMLP.last, let input = w.chunkInput, let weights = w.chunkWeights else { return nil }
        let count = layer.radialMLP.count
        if count >= 2, let z = w.preActivations[t][count - 2], let activation = layer.radialMLP[count - 2].activation {
            try kernels.gatherRows(
                z.address, out: input.address, rows: rows, width: last.inputs, ids: ids, base: base,
                activation: activation, scale: layer.radialMLP[count - 2].activationScale,
                split: last.splitWeight != nil, stream: stream)
        } else {
            try kernels.gatherRows(
                w.radial.address, out: input.address, rows: rows, width: last.inputs, ids: ids, base: base,
                stream: stream)
        }
        if let split = last.splitWeight, count >= 2 {
            try runner.gemm(
                m: rows, n: last.outputs, k: 3 * last.inputs,
                a: GEMMOperand(address: input.address, leadingDimension: 3 * last.inputs),
                b: GEMMOperand(address: split.address, leadingDimension: last.outputs),
                c: GEMMOperand(address: weights.address, leadingDimension: last.outputs), tf32: true)
        } else {
            try runner.gemm(
                m: rows, n: last.outputs, k: last.inputs,
                a: GEMMOperand(address: input.address, leadingDimension: last.inputs),
                b: GEMMOperand(address: last.weight.address, leadingDimension: last.outputs),
                c: GEMMOperand(address: weights.address, leadingDimension: last.outputs))
        }
        return weights
    }

    /// conv_tp forward per receiver chunk into `mid`.
    func chunkedConvForward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        let shCount = kernels.source.shCount
        for (chunk, csr) in w.receiverChunks where !chunk.positions.isEmpty {
            let p0 = chunk.positions.lowerBound
            guard let weights = try chunkEdgeWeights(
                layer: layer, index: t, w, rows: chunk.positions.count, ids: 0, base: p0)
            else { continue }
            try layer.conv.forward(
                receivers: csr, weight: weights.address, x1: w.up[t].address, x2: row(w.sh, p0, width: shCount),
                mid: row(w.mid, chunk.rows.lowerBound, width: layer.midWidth), scalar: scalar, stream: stream)
        }
        // Receivers without edges sit in no chunk with positions; their conv output is zero.
        for (chunk, csr) in w.receiverChunks where chunk.positions.isEmpty {
            try layer.conv.forward(
                receivers: csr, weight: w.up[t].address, x1: w.up[t].address, x2: w.sh.address,
                mid: row(w.mid, chunk.rows.lowerBound, width: layer.midWidth), scalar: scalar, stream: stream)
        }
    }

    /// conv_tp d/dR and d/dSH per receiver chunk (d/dSH into `layerSHGradient`), then the last radial layer's input
    /// gradient for the chunk's edges.
    func chunkedConvBackward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        guard let last = layer.radialMLP.last else { return }
        let shCount = kernels.source.shCount
        let target = radialInputGradient(layer.radialMLP.count - 1, w)
        for (chunk, csr) in w.receiverChunks {
            let (p0, rows) = (chunk.positions.lowerBound, chunk.positions.count)
            guard rows > 0, let weights = try chunkEdgeWeights(layer: layer, index: t, w, rows: rows, ids: 0, base: p0)
            else { continue }
            try layer.conv.backward(
                receivers: csr, weight: weights.address, x1: w.up[t].address, x2: row(w.sh, p0, width: shCount),
                dmid: row(w.midGradient, chunk.rows.lowerBound, width: layer.midWidth),
                dweight: w.weightGradient.address, dx2: row(w.layerSHGradient, p0, width: shCount), scalar: scalar,
                stream: stream)
            if layer.lastWeightSplit != nil {
                try lastRadialInputGradient(
                    layer: layer, rows: rows, a: w.weightGradient.address, c: row(target, p0, width: last.inputs))
                continue
            }
            try runner.gemm(
                m: rows, n: last.inputs, k: last.outputs,
                a: GEMMOperand(address: w.weightGradient.address, leadingDimension: last.outputs),
                b: GEMMOperand(address: last.weight.address, leadingDimension: last.outputs), transposeB: true,
                c: GEMMOperand(address: row(target, p0, width: last.inputs), leadingDimension: last.inputs),
                beta: layer.radialMLP.count == 1 ? 1 : 0)
        }
    }

    /// conv_tp d/dx per sender chunk into `upGradient`: the chunk's edge weights and SH gathered by edge ID.
    func chunkedSenderBackward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        guard let chunkSH = w.chunkSH else { return }
        let shCount = kernels.source.shCount
        for (chunk, csr) in w.senderChunks {
            let (p0, rows) = (chunk.positions.lowerBound, chunk.positions.count)
            let ids = w.senderEdgeIDs.address &+ UInt64(p0 * 4)
            var weights = w.up[t]
            if rows > 0 {
                guard let computed = try chunkEdgeWeights(layer: layer, index: t, w, rows: rows, ids: ids, base: 0)
                else { continue }
                weights = computed
                try kernels.gatherRows(
                    w.sh.address, out: chunkSH.address, rows: rows, width: shCount, ids: ids, base: 0, stream: stream)
            }
            try layer.conv.senderBackward(
                senders: csr, weight: weights.address, x2: chunkSH.address, dmid: w.midGradient.address,
                dx1: row(w.upGradient, chunk.rows.lowerBound, width: layer.upWidth), scalar: scalar, stream: stream)
        }
    }
}
