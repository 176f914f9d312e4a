// SwiftMACE, MIT licence.
// HalfFeatureCheck: the 16-bit feature variants of conv_tp and the symmetric contraction (features in bfloat16 or
// float16, float32 arithmetic) against the float64 ReferenceExecutor outputs of the float32/float64 checks.

import CUDA
import Equivariance

/// Runs the 16-bit feature kernels on the inputs of a ``ConvolutionCheck`` or ``ContractionCheck`` reference
/// (operands the kernels store in 16 bits rounded to nearest on upload) and compares with the float64 outputs.
struct HalfFeatureCheck {
    let buffers: ScalarBuffers
    let storage: HalfStorage

    /// Issue 5's bound for a kernel with 16-bit storage (relative L2 error against float64). Rounding the stored
    /// inputs and outputs alone costs ≈ 2⁻⁹ relative per value in bfloat16.
    static let bound = 1e-2

    func upload(_ values: [Double]) throws -> DeviceBuffer {
        let bits = (values.isEmpty ? [0] : values).map { storage.bits($0) }
        return try DeviceBuffer(context: buffers.context, copying: bits, stream: buffers.stream)
    }

    func download(_ buffer: DeviceBuffer, count: Int) throws -> [Double] {
        try buffer.toArray(of: UInt16.self, count: count, stream: buffers.stream).map { storage.value($0) }
    }

    /// `count` 16-bit NaNs (0xFFFF), so an element the kernel fails to write fails the comparison.
    func poisoned(count: Int) throws -> DeviceBuffer {
        let buffer = try DeviceBuffer(context: buffers.context, byteCount: max(count, 1) * 2, stream: buffers.stream)
        try buffer.fill(byte: 0xFF, stream: buffers.stream)
        return buffer
    }

    /// conv_tp with `weight`, `x1`, `mid`, `dweight` and the per-edge d/dx1 terms in 16 bits: forward, then
    /// ``ConvolutionKernels/backwardWithEdgeDx1(receivers:weight:x1:x2:dmid:dweight:dx1Edges:dx2:scalar:stream:)`` +
    /// `senderSum`, then `backward` + `senderBackward`. `kernels` must have been made with `halfFeatures`.
    func convolution(
        _ kernels: ConvolutionKernels, graph: SyntheticGraph, _ reference: ConvolutionCheck.Reference
    ) throws -> (Bool, String) {
        let p = kernels.source.forwardPolynomial
        let (edges, atoms) = (graph.edgeCount, graph.atomCount)
        let stream = buffers.stream
        let (receivers, senders) = try graph.deviceCSRs(context: buffers.context, stream: stream)
        let weight = try upload(reference.inputs[0])
        let x1 = try upload(IrMulLayout.toIrMul(reference.inputs[1], operand: p.inputs[1]))
        let x2 = try buffers.upload(reference.inputs[2], .float32)
        let dmid = try buffers.upload(IrMulLayout.toIrMul(reference.inputs[3], operand: p.outputs[0]), .float32)
        let mid = try poisoned(count: atoms * p.outputs[0].size)
        let dweight = try poisoned(count: edges * p.inputs[0].size)
        let dx1Edges = try poisoned(count: edges * p.inputs[1].size)
        let dx2 = try buffers.poisoned(count: edges * p.inputs[2].size, .float32)
        let dx1 = try buffers.poisoned(count: atoms * p.inputs[1].size, .float32)
        func results() throws -> [[Double]] {
            [
                IrMulLayout.fromIrMul(try download(mid, count: atoms * p.outputs[0].size), operand: p.outputs[0]),
                try download(dweight, count: edges * p.inputs[0].size),
                try buffers.download(dx2, count: edges * p.inputs[2].size, .float32),
                IrMulLayout.fromIrMul(
                    try buffers.download(dx1, count: atoms * p.inputs[1].size, .float32), operand: p.inputs[1]),
            ]
        }
        try kernels.forward(receivers: receivers, weight: weight, x1: x1, x2: x2, mid: mid, scalar: .float32, stream: stream)
        try kernels.backwardWithEdgeDx1(
            receivers: receivers, weight: weight, x1: x1, x2: x2, dmid: dmid, dweight: dweight, dx1Edges: dx1Edges,
            dx2: dx2, scalar: .float32, stream: stream)
        try kernels.senderSum(senders: senders, dx1Edges: dx1Edges, dx1: dx1, scalar: .float32, stream: stream)
        let split = try results()
        for buffer in [dweight, dx2, dx1] { try buffer.fill(byte: 0xFF, stream: stream) }
        try kernels.backward(
            receivers: receivers, weight: weight, x1: x1, x2: x2, dmid: dmid, dweight: dweight, dx2: dx2,
            scalar: .float32, stream: stream)
        try kernels.senderBackward(
            senders: senders, weight: weight, x2: x2, dmid: dmid, dx1: dx1, scalar: .float32, stream: stream)
        let direct = try results()
        let expected = [reference.mid, reference.dweight, reference.dx2, reference.dx1]
        let errors = (Array(zip(split, expected)) + Array(zip(direct.dropFirst(), expected.dropFirst())))
            .map { SelftestMath.relativeError($0, $1) }
        let labels = ["mid", "dweight", "dsh", "dx1 (edge dx1 + sender sum)", "dweight (backward)", "dsh (backward)",
                      "dx1 (sender backward)"]
        return (errors.allSatisfy { $0 <= Self.bound },
                "\(atoms) atoms, \(edges) edges, \(storage) features and weights: "
                    + "\(KernelCheckMath.listing(labels, errors)) ≤ \(SelftestMath.scientific(Self.bound))")
    }

    /// The symmetric contraction with `x` and `B(x)` in 16 bits (`dout`, `dx` float32); `kernels` must have been
    /// made with this `featureStorage`.
    func contraction(
        _ kernels: SymmetricContractionKernels, descriptor: SymmetricContractionDescriptor, nodes: Int,
        _ reference: ContractionCheck.Reference
    ) throws -> (Bool, String) {
        let p = descriptor.polynomial
        let x = p.inputs[descriptor.featureInput]
        let b = p.outputs[0]
        let stream = buffers.stream
        let elements = try DeviceBuffer(
            context: buffers.context, copying: reference.elements.map { Int32($0) }, stream: stream)
        let table = try buffers.upload(reference.table, .float32)
        let xBuffer = try upload(IrMulLayout.toIrMul(reference.inputs[descriptor.featureInput], operand: x))
        let dout = try buffers.upload(IrMulLayout.toIrMul(reference.dout, operand: b), .float32)
        let out = try poisoned(count: nodes * b.size)
        let dx = try buffers.poisoned(count: nodes * x.size, .float32)
        try kernels.forward(
            nodes: nodes, elements: elements, coefficients: table, x: xBuffer, out: out, scalar: .float32,
            stream: stream)
        try kernels.backward(
            nodes: nodes, elements: elements, coefficients: table, x: xBuffer, dout: dout, dx: dx, scalar: .float32,
            stream: stream)
        let outError = SelftestMath.relativeError(
            IrMulLayout.fromIrMul(try download(out, count: nodes * b.size), operand: b), reference.out)
        let dxError = SelftestMath.relativeError(
            IrMulLayout.fromIrMul(try buffers.download(dx, count: nodes * x.size, .float32), operand: x), reference.dx)
        return (outError <= Self.bound && dxError <= Self.bound,
                "\(nodes) nodes, \(storage) x and B: B \(SelftestMath.scientific(outError)), dx "
                    + "\(SelftestMath.scientific(dxError)) ≤ \(SelftestMath.scientific(Self.bound))")
    }
}
