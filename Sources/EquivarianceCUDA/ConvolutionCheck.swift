// SwiftMACE, MIT licence.
// ConvolutionCheck: one graph's conv_tp forward, backward and sender backward on the GPU against the float64
// ReferenceExecutor with gather/scatter indexing (edges unsorted; the kernels walk the CSRs built here).

import Support
import CUDA
import Equivariance

struct ConvolutionCheck {
    let kernels: ConvolutionKernels
    let graph: SyntheticGraph
    let buffers: ScalarBuffers

    /// Random inputs (mul_ir) and the reference outputs (mul_ir).
    struct Reference {
        let inputs: [[Double]]  // weight, x1, x2, dmid
        let mid: [Double]
        let dweight: [Double]
        let dx2: [Double]
        let dx1: [Double]
    }

    private var polynomial: EquivariantPolynomial { kernels.source.forwardPolynomial }

    func reference(_ generator: inout SeededGenerator) throws -> Reference {
        let (edges, atoms) = (graph.edgeCount, graph.atomCount)
        let p = polynomial
        return try reference(inputs: [
            generator.doubles(edges * p.inputs[0].size), generator.doubles(atoms * p.inputs[1].size),
            generator.doubles(edges * p.inputs[2].size), generator.doubles(atoms * p.outputs[0].size),
        ])
    }

    /// The reference outputs for given inputs `[weight, x1, x2, dmid]` (mul_ir).
    func reference(inputs: [[Double]]) throws -> Reference {
        let (edges, atoms) = (graph.edgeCount, graph.atomCount)
        let p = polynomial
        let indexing = OperandIndexing(
            inputs: [.batched, .indexed(graph.senders, rows: atoms), .batched],
            outputs: [.indexed(graph.receivers, rows: atoms)])
        let executor = ReferenceExecutor()
        let mid = try executor.evaluate(p, batchSize: edges, inputs: Array(inputs[0..<3]), indexing: indexing)
        let backward = try executor.evaluate(
            kernels.source.backwardPolynomial, batchSize: edges, inputs: inputs,
            indexing: indexing.backward(withRespectTo: [0, 2]))
        let dx1 = try executor.evaluate(
            kernels.source.senderBackwardPolynomial, batchSize: edges, inputs: inputs,
            indexing: indexing.backward(withRespectTo: [1]))
        return Reference(inputs: inputs, mid: mid[0], dweight: backward[0], dx2: backward[1], dx1: dx1[0])
    }

    func compare(_ reference: Reference, _ scalar: KernelScalar) throws -> (Bool, String) {
        let p = polynomial
        let context = buffers.context
        let stream = buffers.stream
        let (edges, atoms) = (graph.edgeCount, graph.atomCount)
        let (receivers, senders) = try graph.deviceCSRs(context: context, stream: stream)
        let weight = try buffers.upload(reference.inputs[0], scalar)
        let x1 = try buffers.upload(IrMulLayout.toIrMul(reference.inputs[1], operand: p.inputs[1]), scalar)
        let x2 = try buffers.upload(reference.inputs[2], scalar)
        let dmid = try buffers.upload(IrMulLayout.toIrMul(reference.inputs[3], operand: p.outputs[0]), scalar)
        let mid = try buffers.poisoned(count: atoms * p.outputs[0].size, scalar)
        let dweight = try buffers.poisoned(count: edges * p.inputs[0].size, scalar)
        let dx2 = try buffers.poisoned(count: edges * p.inputs[2].size, scalar)
        let dx1 = try buffers.poisoned(count: atoms * p.inputs[1].size, scalar)
        let dx1Edges = try buffers.poisoned(count: edges * p.inputs[1].size, scalar)
        var runs: [[[Double]]] = []
        for run in 0..<4 {
            // Runs 0 and 1: backward + senderBackward; runs 2 and 3: backwardWithEdgeDx1 + senderSum.
            let split = run >= 2
            for buffer in [mid, dweight, dx2, dx1] { try buffer.fill(byte: 0xFF, stream: stream) }
            try kernels.forward(receivers: receivers, weight: weight, x1: x1, x2: x2, mid: mid, scalar: scalar, stream: stream)
            if split {
                try kernels.backwardWithEdgeDx1(
                    receivers: receivers, weight: weight, x1: x1, x2: x2, dmid: dmid, dweight: dweight,
                    dx1Edges: dx1Edges, dx2: dx2, scalar: scalar, stream: stream)
                try kernels.senderSum(senders: senders, dx1Edges: dx1Edges, dx1: dx1, scalar: scalar, stream: stream)
            } else {
                try kernels.backward(
                    receivers: receivers, weight: weight, x1: x1, x2: x2, dmid: dmid, dweight: dweight, dx2: dx2,
                    scalar: scalar, stream: stream)
                try kernels.senderBackward(
                    senders: senders, weight: weight, x2: x2, dmid: dmid, dx1: dx1, scalar: scalar, stream: stream)
            }
            runs.append([
                IrMulLayout.fromIrMul(try buffers.download(mid, count: atoms * p.outputs[0].size, scalar), operand: p.outputs[0]),
                try buffers.download(dweight, count: edges * p.inputs[0].size, scalar),
                try buffers.download(dx2, count: edges * p.inputs[2].size, scalar),
                IrMulLayout.fromIrMul(try buffers.download(dx1, count: atoms * p.inputs[1].size, scalar), operand: p.inputs[1]),
            ])
        }
        let expected = [reference.mid, reference.dweight, reference.dx2, reference.dx1]
        let names = ["mid", "dweight", "dsh", "dx1"]
        let errors = (Array(zip(runs[0], expected)) + Array(zip(runs[2], expected))).map { SelftestMath.relativeError($0, $1) }
        let bound = KernelCheckMath.bound(scalar)
        let identical = KernelCheckMath.identical(runs[0], runs[1]) && KernelCheckMath.identical(runs[2], runs[3])
        let passed = errors.allSatisfy { $0 <= bound } && identical
        let labels = names + names.map { $0 + " (edge dx1 + sender sum)" }
        let listed = KernelCheckMath.listing(labels, errors)
        return (passed, "\(atoms) atoms, \(edges) edges (unsorted): \(listed) ≤ \(SelftestMath.scientific(bound)); "
            + "two runs bitwise \(identical ? "identical" : "DIFFERENT")")
    }
}
