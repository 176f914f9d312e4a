// SwiftMACE, MIT licence.
// ContractionCheck: the symmetric contraction forward and input gradient on the GPU (monomial form, element
// coefficients pre-contracted on the host) against the float64 ReferenceExecutor of the descriptor's polynomial.

import Support
import CUDA
import Equivariance

struct ContractionCheck {
    let kernels: SymmetricContractionKernels
    let descriptor: SymmetricContractionDescriptor
    let nodes: Int
    let buffers: ScalarBuffers

    struct Reference {
        let elements: [Int]
        let inputs: [[Double]]  // weights…, x (mul_ir)
        let dout: [Double]
        let out: [Double]
        let dx: [Double]
        let table: [Double]
    }

    func reference(_ generator: inout SeededGenerator) throws -> Reference {
        let p = descriptor.polynomial
        let elementCount = descriptor.elementCount
        let elements = (0..<nodes).map { _ in Int.random(in: 0..<elementCount, using: &generator) }
        let feature = descriptor.featureInput
        var inputs: [[Double]] = []
        for (n, operand) in p.inputs.enumerated() {
            inputs.append(generator.doubles((n == feature ? nodes : elementCount) * operand.size))
        }
        let dout = generator.doubles(nodes * p.outputs[0].size)
        let indexing = OperandIndexing(
            inputs: p.inputs.indices.map { $0 == feature ? .batched : .indexed(elements, rows: elementCount) },
            outputs: [.batched])
        let executor = ReferenceExecutor()
        let out = try executor.evaluate(p, batchSize: nodes, inputs: inputs, indexing: indexing)
        let dx = try executor.evaluate(
            try p.backward(withRespectTo: [feature]), batchSize: nodes, inputs: inputs + [dout],
            indexing: indexing.backward(withRespectTo: [feature]))
        let table = try kernels.source.plan.coefficientTable(weights: inputs, elementCount: elementCount)
        return Reference(elements: elements, inputs: inputs, dout: dout, out: out[0], dx: dx[0], table: table)
    }

    func compare(_ reference: Reference, _ scalar: KernelScalar) throws -> (Bool, String) {
        let p = descriptor.polynomial
        let x = p.inputs[descriptor.featureInput]
        let b = p.outputs[0]
        let elements = try DeviceBuffer(
            context: buffers.context, copying: reference.elements.map { Int32($0) }, stream: buffers.stream)
        let table = try buffers.upload(reference.table, scalar)
        let xBuffer = try buffers.upload(IrMulLayout.toIrMul(reference.inputs[descriptor.featureInput], operand: x), scalar)
        let dout = try buffers.upload(IrMulLayout.toIrMul(reference.dout, operand: b), scalar)
        let out = try buffers.poisoned(count: nodes * b.size, scalar)
        let dx = try buffers.poisoned(count: nodes * x.size, scalar)
        try kernels.forward(
            nodes: nodes, elements: elements, coefficients: table, x: xBuffer, out: out, scalar: scalar,
            stream: buffers.stream)
        try kernels.backward(
            nodes: nodes, elements: elements, coefficients: table, x: xBuffer, dout: dout, dx: dx, scalar: scalar,
            stream: buffers.stream)
        let outError = SelftestMath.relativeError(
            IrMulLayout.fromIrMul(try buffers.download(out, count: nodes * b.size, scalar), operand: b), reference.out)
        let dxError = SelftestMath.relativeError(
            IrMulLayout.fromIrMul(try buffers.download(dx, count: nodes * x.size, scalar), operand: x), reference.dx)
        let bound = KernelCheckMath.bound(scalar)
        return (outError <= bound && dxError <= bound,
                "\(nodes) nodes, \(descriptor.elementCount) elements: B \(SelftestMath.scientific(outError)), "
                    + "dx \(SelftestMath.scientific(dxError)) ≤ \(SelftestMath.scientific(bound))")
    }
}
