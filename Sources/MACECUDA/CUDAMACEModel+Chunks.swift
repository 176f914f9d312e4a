// SwiftMACE, MIT licence.
// The edge-chunked conv stages: the radial MLP's last layer (with the fused MLP, the whole MLP) and the conv kernels
// run per chunk of receivers, so the edge weights `[E, weight_numel]` never exist whole; the backward recomputes
// them per chunk and sums each chunk's per-edge d/dx terms into the senders' rows.

import CUDA
import Equivariance
import EquivarianceCUDA

extension CUDAMACEModel {
    /// Device address of row `row` of a buffer of `width`-wide rows of the model's scalar.
    func row(_ buffer: DeviceBuffer, _ row: Int, width: Int) -> UInt64 {
        buffer.address &+ UInt64(row * width * scalar.byteSize)
    }

    /// The fused MLP's pre-activations of the `i`-th chunk of a loop (one set per pipeline weight buffer), or nil
    /// where the hidden layers ran over all edges (`preActivations`).
    func chunkPreActivations(_ layer: DeviceLayer, _ i: Int, _ w: Workspace) -> [UInt64]? {
        guard layer.hiddenWeights != nil, !w.chunkPreActivations.isEmpty else { return nil }
        return w.chunkPreActivations[i % 2].prefix(layer.radialMLP.count - 1).map(\.address)
    }

    /// The `i`-th chunk's last radial layer input for edges `base..<base + rows`: the fused hidden layers run on the
    /// chunk (pre-activations into ``chunkPreActivations(_:_:_:)``), or `act(z)` of the layer before it copied from
    /// the kept pre-activations, or the radial basis; then its output (the chunk's conv weights) in `weights`. On the
    /// model's stream (cuBLAS).
    private func chunkEdgeWeights(
        layer: DeviceLayer, index t: Int, _ w: Workspace, chunk i: Int, rows: Int, base: Int,
        into weights: DeviceBuffer
    ) throws {
        guard let last = layer.radialMLP.last, let input = w.chunkInput else { return }
        let count = layer.radialMLP.count
        if let hidden = layer.hiddenWeights, let z = chunkPreActivations(layer, i, w) {
            try kernels.mlpForward(
                edges: rows, x: row(w.radial, base, width: kernels.source.besselCount), weights: hidden, z: z,
                out: input.address, mode: last.splitWeight != nil ? .split3xTF32 : .plain, stream: stream)
        } else if count >= 2, let z = w.preActivations[t][count - 2], let activation = layer.radialMLP[count - 2].activation {
            try kernels.copyRows(
                z.address, out: input.address, rows: rows, width: last.inputs, base: base,
                activation: activation, scale: layer.radialMLP[count - 2].activationScale,
                split: last.splitWeight != nil, stream: stream)
        } else {
            try kernels.copyRows(
                w.radial.address, out: input.address, rows: rows, width: last.inputs, base: base,
                stream: stream)
        }
        try last.forward(rows: rows, x: input.address, splitInput: count >= 2, c: weights.address, runner)
    }

    /// conv_tp forward per receiver chunk into `mid`: each chunk's weights on the model's stream, its conv kernel
    /// on the pipeline's, overlapping the next chunk's weights.
    func chunkedConvForward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        guard let pipeline = w.chunkPipeline else { return }
        let shCount = kernels.source.shCount
        for (i, (chunk, csr, _, _)) in w.receiverChunks.filter({ !$0.chunk.positions.isEmpty }).enumerated() {
            let p0 = chunk.positions.lowerBound
            try pipeline.reuse(i, on: stream)
            let weights = pipeline.weights(i)
            try chunkEdgeWeights(layer: layer, index: t, w, chunk: i, rows: chunk.positions.count, base: p0,
                into: weights)
            try pipeline.handOver(i, from: stream)
            try layer.conv.forward(
                receivers: csr, weight: weights.address, x1: w.up[t].address, x2: row(w.sh, p0, width: shCount),
                mid: row(w.mid, chunk.rows.lowerBound, width: layer.midWidth), scalar: scalar, stream: pipeline.stream)
            try pipeline.consumed(i)
        }
        // Receivers without edges sit in no chunk with positions; their conv output is zero.
        for (chunk, csr, _, _) in w.receiverChunks where chunk.positions.isEmpty {
            try layer.conv.forward(
                receivers: csr, weight: w.up[t].address, x1: w.up[t].address, x2: w.sh.address,
                mid: row(w.mid, chunk.rows.lowerBound, width: layer.midWidth), scalar: scalar, stream: stream)
        }
        try pipeline.join(stream)
    }

    /// conv_tp d/dR and d/dSH per receiver chunk (d/dSH into `layerSHGradient`), then the last radial layer's input
    /// gradient for the chunk's edges; for `t > 0` also d/dx into `upGradient`: each edge's term written per chunk
    /// (`chunkUpGradient`) and added into its sender's row (the chunk's sender grouping), chunk after chunk. The
    /// chunk's kernels overlap the next chunk's weights (pipeline stream) where the input gradient is the 3xTF32
    /// kernel; a cuBLAS input gradient keeps them on the model's stream (one cuBLAS handle, one stream at a time).
    func chunkedConvBackward(layer: DeviceLayer, index t: Int, _ w: Workspace) throws {
        guard let last = layer.radialMLP.last, let pipeline = w.chunkPipeline else { return }
        let shCount = kernels.source.shCount
        let target = radialInputGradient(layer.radialMLP.count - 1, w)
        let edgeUpGradient = t > 0 ? w.chunkUpGradient : nil
        let split = layer.lastWeightSplit
        let consumer = split != nil ? pipeline.stream : stream
        if edgeUpGradient != nil {
            try kernels.fill(w.upGradient, count: w.nodes * layer.upWidth, value: 0, stream: stream)
        }
        for (i, (chunk, csr, bySender, senders)) in w.receiverChunks.filter({ !$0.chunk.positions.isEmpty }).enumerated() {
            let (p0, rows) = (chunk.positions.lowerBound, chunk.positions.count)
            if split != nil { try pipeline.reuse(i, on: stream) }
            let weights = pipeline.weights(i)
            try chunkEdgeWeights(layer: layer, index: t, w, chunk: i, rows: rows, base: p0, into: weights)
            if split != nil { try pipeline.handOver(i, from: stream) }
            let (x2, dmid, dx2) = (
                row(w.sh, p0, width: shCount), row(w.midGradient, chunk.rows.lowerBound, width: layer.midWidth),
                row(w.layerSHGradient, p0, width: shCount)
            )
            if let edgeUpGradient {
                try layer.conv.backwardWithEdgeDx1(
                    receivers: csr, weight: weights.address, x1: w.up[t].address, x2: x2, dmid: dmid,
                    dweight: w.weightGradient.address, dx1Edges: edgeUpGradient.address, dx2: dx2, scalar: scalar,
                    stream: consumer)
                try layer.conv.senderSumAdd(
                    senders: bySender, targets: senders.address, dx1Edges: edgeUpGradient.address,
                    dx1: w.upGradient.address, scalar: scalar, stream: consumer)
            } else {
                try layer.conv.backward(
                    receivers: csr, weight: weights.address, x1: w.up[t].address, x2: x2, dmid: dmid,
                    dweight: w.weightGradient.address, dx2: dx2, scalar: scalar, stream: consumer)
            }
            // The fused MLP per chunk: its gradient buffer holds the chunk's rows only.
            let z = chunkPreActivations(layer, i, w)
            let gradient = row(target, z == nil ? p0 : 0, width: last.inputs)
            if let split {
                try kernels.mlpGradient3xTF32(
                    rows: rows, k: last.outputs, a: w.weightGradient.address, split: split, c: gradient,
                    stream: consumer)
            } else {
                try runner.gemm(
                    m: rows, n: last.inputs, k: last.outputs,
                    a: GEMMOperand(address: w.weightGradient.address, leadingDimension: last.outputs),
                    b: GEMMOperand(address: last.weight.address, leadingDimension: last.outputs), transposeB: true,
                    c: GEMMOperand(address: gradient, leadingDimension: last.inputs),
                    beta: layer.radialMLP.count == 1 ? 1 : 0)
            }
            if let hidden = layer.hiddenWeights, let z {
                try kernels.mlpBackward(
                    edges: rows, g: gradient, weights: hidden, z: z,
                    gx: row(w.radialGradient, p0, width: kernels.source.besselCount), accumulate: true,
                    stream: consumer)
            }
            if split != nil { try pipeline.consumed(i) }
        }
        if split != nil { try pipeline.join(stream) }
    }
}
