// SwiftMACE, MIT licence.
// DualConvolutionCheck: one graph's conv_tp dual forward, dual weight backward and dual sender backward on the GPU,
// and the in-place route (weight adjoints over the weights, per-edge sender terms, then sender sums), against the
// float64 ReferenceExecutor on the rewritten polynomials, with stacked value/tangent buffers.

import Support
import CUDA
import Equivariance

struct DualConvolutionCheck {
    let kernels: ConvolutionKernels
    let graph: SyntheticGraph
    let buffers: ScalarBuffers

    /// Random inputs and the reference outputs (mul_ir), each operand as (value, tangent).
    struct Reference {
        /// weight, x1, x2, their tangents, then the cotangents of mid and of its tangent.
        let inputs: [[Double]]
        /// mid, its tangent, dweight, dweightTangent, dx1, dx1Tangent.
        let outputs: [[Double]]
    }

    private var source: ConvolutionKernelSource { kernels.source }

    func reference(_ generator: inout SeededGenerator) throws -> Reference {
        let (edges, atoms) = (graph.edgeCount, graph.atomCount)
        let p = source.forwardPolynomial
        let values = [edges * p.inputs[0].size, atoms * p.inputs[1].size, edges * p.inputs[2].size]
        let inputs = (values + values + [atoms * p.outputs[0].size, atoms * p.outputs[0].size]).map {
            generator.doubles($0)
        }
        let indexing = OperandIndexing(
            inputs: [.batched, .indexed(graph.senders, rows: atoms), .batched],
            outputs: [.indexed(graph.receivers, rows: atoms)]
        ).dual(withRespectTo: [0, 1, 2])
        let executor = ReferenceExecutor()
        let forward = try executor.evaluate(
            source.dualPolynomial, batchSize: edges, inputs: Array(inputs[0..<6]), indexing: indexing)
        let weight = try executor.evaluate(
            source.dualWeightBackwardPolynomial, batchSize: edges, inputs: inputs,
            indexing: indexing.backward(withRespectTo: [0, 3]))
        let sender = try executor.evaluate(
            source.dualSenderBackwardPolynomial, batchSize: edges, inputs: inputs,
            indexing: indexing.backward(withRespectTo: [1, 4]))
        return Reference(inputs: inputs, outputs: forward + weight + sender)
    }

    func compare(_ reference: Reference, _ scalar: KernelScalar) throws -> (Bool, String) {
        let p = source.forwardPolynomial
        let stream = buffers.stream
        let (edges, atoms) = (graph.edgeCount, graph.atomCount)
        let (receivers, senders) = try graph.deviceCSRs(context: buffers.context, stream: stream)
        let (w, d1, d2, dm) = (p.inputs[0].size, p.inputs[1].size, p.inputs[2].size, p.outputs[0].size)
        let x1Operand = p.inputs[1], midOperand = p.outputs[0]
        let input = reference.inputs
        // Stacked buffers as the training pass holds them: the value rows, then the tangent rows.
        let weight = try buffers.upload(input[0] + input[3], scalar)
        let x1 = try buffers.upload(
            IrMulLayout.toIrMul(input[1], operand: x1Operand) + IrMulLayout.toIrMul(input[4], operand: x1Operand),
            scalar)
        let x2 = try buffers.upload(input[2] + input[5], scalar)
        let dmid = try buffers.upload(
            IrMulLayout.toIrMul(input[6], operand: midOperand) + IrMulLayout.toIrMul(input[7], operand: midOperand),
            scalar)
        let mid = try buffers.poisoned(count: 2 * atoms * dm, scalar)
        let dweight = try buffers.poisoned(count: 2 * edges * w, scalar)
        let dx1 = try buffers.poisoned(count: 2 * atoms * d1, scalar)
        let edgeTerms = try buffers.poisoned(count: 2 * edges * d1, scalar)
        // The in-place route overwrites its weights with their adjoints: a copy of them per run.
        let inPlaceWeight = try buffers.poisoned(count: 2 * edges * w, scalar)
        let edgeDx1 = try buffers.poisoned(count: 2 * atoms * d1, scalar)
        func tangent(_ buffer: DeviceBuffer, rows: Int, width: Int) -> UInt64 {
            buffer.address + UInt64(rows * width * scalar.byteSize)
        }
        var runs: [[[Double]]] = []
        for _ in 0..<2 {
            for buffer in [mid, dweight, dx1, edgeTerms, edgeDx1] {
                try buffer.fill(byte: 0xFF, stream: stream)
            }
            try kernels.dualForward(
                receivers: receivers, weight: weight.address, weightTangent: tangent(weight, rows: edges, width: w),
                x1: x1.address, x1Tangent: tangent(x1, rows: atoms, width: d1), x2: x2.address,
                x2Tangent: tangent(x2, rows: edges, width: d2), mid: mid.address,
                midTangent: tangent(mid, rows: atoms, width: dm), scalar: scalar, stream: stream)
            try kernels.dualWeightBackward(
                receivers: receivers, x1: x1.address, x1Tangent: tangent(x1, rows: atoms, width: d1), x2: x2.address,
                x2Tangent: tangent(x2, rows: edges, width: d2), dmid: dmid.address,
                dmidTangent: tangent(dmid, rows: atoms, width: dm), dweight: dweight.address,
                dweightTangent: tangent(dweight, rows: edges, width: w), scalar: scalar, stream: stream)
            try kernels.dualSenderBackward(
                senders: senders, weight: weight.address, weightTangent: tangent(weight, rows: edges, width: w),
                x2: x2.address, x2Tangent: tangent(x2, rows: edges, width: d2), dmid: dmid.address,
                dmidTangent: tangent(dmid, rows: atoms, width: dm), dx1: dx1.address,
                dx1Tangent: tangent(dx1, rows: atoms, width: d1), scalar: scalar, stream: stream)
            try inPlaceWeight.copy(from: weight, byteCount: 2 * edges * w * scalar.byteSize, stream: stream)
            try kernels.dualBackwardInPlace(
                receivers: receivers, weight: inPlaceWeight.address,
                weightTangent: tangent(inPlaceWeight, rows: edges, width: w), x1: x1.address,
                x1Tangent: tangent(x1, rows: atoms, width: d1), x2: x2.address,
                x2Tangent: tangent(x2, rows: edges, width: d2), dmid: dmid.address,
                dmidTangent: tangent(dmid, rows: atoms, width: dm), dx1Edges: edgeTerms.address,
                dx1EdgesTangent: tangent(edgeTerms, rows: edges, width: d1), scalar: scalar, stream: stream)
            for block in [0, edges] {
                try kernels.senderSum(
                    senders: senders, dx1Edges: tangent(edgeTerms, rows: block, width: d1),
                    dx1: tangent(edgeDx1, rows: block == 0 ? 0 : atoms, width: d1), scalar: scalar, stream: stream)
            }
            let mids = try buffers.download(mid, count: 2 * atoms * dm, scalar)
            var outputs = [
                IrMulLayout.fromIrMul(Array(mids[..<(atoms * dm)]), operand: midOperand),
                IrMulLayout.fromIrMul(Array(mids[(atoms * dm)...]), operand: midOperand),
            ]
            for adjoints in [dweight, inPlaceWeight] {
                let weights = try buffers.download(adjoints, count: 2 * edges * w, scalar)
                outputs += [Array(weights[..<(edges * w)]), Array(weights[(edges * w)...])]
            }
            for features in [dx1, edgeDx1] {
                let values = try buffers.download(features, count: 2 * atoms * d1, scalar)
                outputs += [
                    IrMulLayout.fromIrMul(Array(values[..<(atoms * d1)]), operand: x1Operand),
                    IrMulLayout.fromIrMul(Array(values[(atoms * d1)...]), operand: x1Operand),
                ]
            }
            runs.append(outputs)
        }
        let names = [
            "mid", "mid tangent", "dweight", "dweight tangent", "dweight (in place)", "dweight tangent (in place)",
            "dx1", "dx1 tangent", "dx1 (edge route)", "dx1 tangent (edge route)",
        ]
        let r = reference.outputs
        let expected = [r[0], r[1], r[2], r[3], r[2], r[3], r[4], r[5], r[4], r[5]]
        let errors = zip(runs[0], expected).map { SelftestMath.relativeError($0, $1) }
        let bound = KernelCheckMath.bound(scalar)
        let identical = KernelCheckMath.identical(runs[0], runs[1])
        let passed = errors.allSatisfy { $0 <= bound } && identical
        let listed = KernelCheckMath.listing(names, errors)
        return (passed, "\(atoms) atoms, \(edges) edges (unsorted): \(listed) ≤ \(SelftestMath.scientific(bound)); "
            + "two runs bitwise \(identical ? "identical" : "DIFFERENT")")
    }
}
