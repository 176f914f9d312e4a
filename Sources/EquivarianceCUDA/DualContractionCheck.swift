// SwiftMACE, MIT licence.
// DualContractionCheck: the symmetric contraction's dual (training) kernels on the GPU against the float64
// ReferenceExecutor of the polynomial's primal-and-tangent rewrite and its backward, on stacked buffers.

import Support
import CUDA
import Equivariance

struct DualContractionCheck {
    let kernels: SymmetricContractionKernels
    let descriptor: SymmetricContractionDescriptor
    let nodes: Int
    let buffers: ScalarBuffers

    struct Reference {
        let elements: [Int]
        let inputs: [[Double]]  // weights…, x (mul_ir)
        let xTangent: [Double]
        let dout: [Double]
        let doutTangent: [Double]
        let out: [Double]
        let outTangent: [Double]
        let dx: [Double]
        let dxTangent: [Double]
        /// The gradient of each weight input, `[elementCount, size]` (empty for the feature input).
        let weightGradients: [[Double]]
        let table: [Double]
    }

    /// (B, Ḃ) from `P.dual([x])`, then that polynomial's backward with respect to the weights, x and ẋ
    /// with cotangents (Ā, Ǡ): the weights' gradient is scatter-added per element by the `.indexed` indexing.
    func reference(_ generator: inout SeededGenerator) throws -> Reference {
        let p = descriptor.polynomial
        let elementCount = descriptor.elementCount
        let feature = descriptor.featureInput
        let elements = (0..<nodes).map { _ in Int.random(in: 0..<elementCount, using: &generator) }
        let inputs = p.inputs.enumerated().map { n, operand in
            generator.doubles((n == feature ? nodes : elementCount) * operand.size)
        }
        let xTangent = generator.doubles(nodes * p.inputs[feature].size)
        let dout = generator.doubles(nodes * p.outputs[0].size)
        let doutTangent = generator.doubles(nodes * p.outputs[0].size)
        let indexing = OperandIndexing(
            inputs: p.inputs.indices.map { $0 == feature ? .batched : .indexed(elements, rows: elementCount) },
            outputs: [.batched])
        let dual = try p.dual(withRespectTo: [feature])
        let dualIndexing = indexing.dual(withRespectTo: [feature])
        let weightInputs = p.inputs.indices.filter { $0 != feature }
        let wrt = weightInputs + [feature, p.inputs.count]
        let executor = ReferenceExecutor()
        let forward = try executor.evaluate(dual, batchSize: nodes, inputs: inputs + [xTangent], indexing: dualIndexing)
        let gradients = try executor.evaluate(
            try dual.backward(withRespectTo: wrt), batchSize: nodes,
            inputs: inputs + [xTangent, dout, doutTangent], indexing: dualIndexing.backward(withRespectTo: wrt))
        var weightGradients = [[Double]](repeating: [], count: p.inputs.count)
        for (g, input) in weightInputs.enumerated() { weightGradients[input] = gradients[g] }
        return Reference(
            elements: elements, inputs: inputs, xTangent: xTangent, dout: dout, doutTangent: doutTangent,
            out: forward[0], outTangent: forward[1], dx: gradients[weightInputs.count],
            dxTangent: gradients[weightInputs.count + 1], weightGradients: weightGradients,
            table: try kernels.source.plan.coefficientTable(weights: inputs, elementCount: elementCount))
    }

    /// Values and tangents as the two row blocks of stacked buffers, as the training pass holds them.
    func compare(_ reference: Reference, _ scalar: KernelScalar) throws -> (Bool, String) {
        let p = descriptor.polynomial
        let x = p.inputs[descriptor.featureInput]
        let b = p.outputs[0]
        let plan = kernels.source.plan
        let columns = plan.weightColumns
        let c = plan.channels
        let elements = try DeviceBuffer(
            context: buffers.context, copying: reference.elements.map { Int32($0) }, stream: buffers.stream)
        let table = try buffers.upload(reference.table, scalar)
        let xs = try buffers.upload(
            IrMulLayout.toIrMul(reference.inputs[descriptor.featureInput], operand: x)
                + IrMulLayout.toIrMul(reference.xTangent, operand: x), scalar)
        let douts = try buffers.upload(
            IrMulLayout.toIrMul(reference.dout, operand: b) + IrMulLayout.toIrMul(reference.doutTangent, operand: b),
            scalar)
        let outs = try buffers.poisoned(count: 2 * nodes * b.size, scalar)
        let dxs = try buffers.poisoned(count: 2 * nodes * x.size, scalar)
        let gradient = try buffers.poisoned(count: nodes * columns.count * c, scalar)
        let xBlock = UInt64(nodes * x.size * scalar.byteSize)
        let bBlock = UInt64(nodes * b.size * scalar.byteSize)
        try kernels.dualForward(
            nodes: nodes, elements: elements.address, coefficients: table.address, x: xs.address,
            xTangent: xs.address + xBlock, out: outs.address, outTangent: outs.address + bBlock, scalar: scalar,
            stream: buffers.stream)
        try kernels.dualBackward(
            nodes: nodes, elements: elements.address, coefficients: table.address, x: xs.address,
            xTangent: xs.address + xBlock, dout: douts.address, doutTangent: douts.address + bBlock,
            dx: dxs.address, dxTangent: dxs.address + xBlock, scalar: scalar, stream: buffers.stream)
        try kernels.dualWeightGradient(
            nodes: nodes, x: xs.address, xTangent: xs.address + xBlock, dout: douts.address,
            doutTangent: douts.address + bBlock, gradient: gradient.address, scalar: scalar, stream: buffers.stream)
        let out = try buffers.download(outs, count: 2 * nodes * b.size, scalar)
        let dx = try buffers.download(dxs, count: 2 * nodes * x.size, scalar)
        let perNode = try buffers.download(gradient, count: nodes * columns.count * c, scalar)
        // The lead's reduction: sum each element's node rows into W_input[element][column·C + u].
        var weights = reference.weightGradients.map { [Double](repeating: 0, count: $0.count) }
        for (n, element) in reference.elements.enumerated() {
            for (j, column) in columns.enumerated() {
                let size = p.inputs[column.input].size
                for u in 0..<c {
                    weights[column.input][element * size + column.column * c + u] +=
                        perNode[(n * columns.count + j) * c + u]
                }
            }
        }
        let half = { (values: [Double], operand: PolynomialOperand, second: Bool) -> [Double] in
            let count = nodes * operand.size
            let start = second ? count : 0
            return IrMulLayout.fromIrMul(Array(values[start..<(start + count)]), operand: operand)
        }
        let errors = [
            ("B", SelftestMath.relativeError(half(out, b, false), reference.out)),
            ("dB", SelftestMath.relativeError(half(out, b, true), reference.outTangent)),
            ("dx", SelftestMath.relativeError(half(dx, x, false), reference.dx)),
            ("d(dx)", SelftestMath.relativeError(half(dx, x, true), reference.dxTangent)),
            ("dW", SelftestMath.relativeError(weights.flatMap { $0 }, reference.weightGradients.flatMap { $0 })),
        ]
        let bound = KernelCheckMath.bound(scalar)
        let text = KernelCheckMath.listing(errors.map(\.0), errors.map(\.1))
        return (errors.allSatisfy { $0.1 <= bound },
                "\(nodes) nodes, \(descriptor.elementCount) elements, \(columns.count) weight columns: \(text) ≤ "
                    + SelftestMath.scientific(bound))
    }
}
