// SwiftMACE, MIT licence.
// FusedWeightConvolutionCheck: the conv_tp kernels that form their per-edge weights h · W on tensor cores against the
// float64 ReferenceExecutor, whose weights are h · W of the same 16-bit values in float64.

import Support
import CUDA
import Equivariance

/// One graph's fused-weight conv forward (`mid` in 16 bits) and backward (per-edge d/dx1 terms summed per sender
/// and d/dx2 slices summed here) against ``ConvolutionCheck``'s float64 reference.
struct FusedWeightConvolutionCheck {
    let descriptor: ChannelwiseTensorProductDescriptor
    let graph: SyntheticGraph
    let buffers: ScalarBuffers
    let storage: HalfStorage
    static let inputWidth = 64

    func run(kernels conv: ConvolutionKernels, generator: inout SeededGenerator) throws -> (Bool, String) {
        let context = buffers.context, stream = buffers.stream
        let p = descriptor.polynomial
        let (edges, atoms, k, width) = (graph.edgeCount, graph.atomCount, Self.inputWidth, descriptor.weightCount)
        // 16-bit values in float64: h and W as the kernels see them; W scaled so the weights are O(1).
        let rounded = { (values: [Double]) in values.map { storage.value(storage.bits($0)) } }
        let h = rounded(generator.doubles(edges * k))
        let w = rounded(generator.doubles(k * width).map { $0 / Double(k).squareRoot() })
        var weights = [Double](repeating: 0, count: edges * width)
        for e in 0..<edges {
            for q in 0..<k where h[e * k + q] != 0 {
                let hq = h[e * k + q]
                for c in 0..<width { weights[e * width + c] += hq * w[q * width + c] }
            }
        }
        let checker = ConvolutionCheck(kernels: conv, graph: graph, buffers: buffers)
        let reference = try checker.reference(inputs: [
            weights, generator.doubles(atoms * p.inputs[1].size), generator.doubles(edges * p.inputs[2].size),
            generator.doubles(atoms * p.outputs[0].size),
        ])
        let fused = try FusedWeightConvolutionKernels(
            context: context, cache: try KernelCache(context: context), descriptor: descriptor, inputWidth: k,
            weights: w, storage: storage, stream: stream)
        let half = HalfFeatureCheck(buffers: buffers, storage: storage)
        let (receivers, _) = try graph.deviceCSRs(context: context, stream: stream)
        let hBuffer = try half.upload(h)
        let x1 = try buffers.upload(IrMulLayout.toIrMul(reference.inputs[1], operand: p.inputs[1]), .float32)
        let x2 = try buffers.upload(reference.inputs[2], .float32)
        let dmid = try buffers.upload(IrMulLayout.toIrMul(reference.inputs[3], operand: p.outputs[0]), .float32)
        let mid = try half.poisoned(count: atoms * p.outputs[0].size)
        let dweight = try half.poisoned(count: edges * width)
        let dx1Edges = try buffers.poisoned(count: edges * p.inputs[1].size, .float32)
        let dx2Slices = try buffers.poisoned(count: fused.slices * edges * p.inputs[2].size, .float32)
        var runs: [[[Double]]] = []
        for _ in 0..<2 {
            try fused.forward(
                receivers: receivers, h: hBuffer.address, x1: x1.address, x2: x2.address, mid: mid.address,
                stream: stream)
            try fused.backward(
                receivers: receivers, edges: edges, h: hBuffer.address, x1: x1.address, x2: x2.address,
                dmid: dmid.address, dweight: dweight.address, dx1Edges: dx1Edges.address, dx2Slices: dx2Slices.address,
                stream: stream)
            let (x1Size, x2Size) = (p.inputs[1].size, p.inputs[2].size)
            let terms = try buffers.download(dx1Edges, count: edges * x1Size, .float32)
            var dx1 = [Double](repeating: 0, count: atoms * x1Size)
            for e in 0..<edges {
                let s = graph.senders[e]
                for j in 0..<x1Size { dx1[s * x1Size + j] += terms[e * x1Size + j] }
            }
            let slices = try buffers.download(dx2Slices, count: fused.slices * edges * x2Size, .float32)
            let dx2 = (0..<(edges * x2Size)).map { i in
                (0..<fused.slices).reduce(0) { $0 + slices[$1 * edges * x2Size + i] }
            }
            runs.append([
                IrMulLayout.fromIrMul(try half.download(mid, count: atoms * p.outputs[0].size), operand: p.outputs[0]),
                try half.download(dweight, count: edges * width), dx2, IrMulLayout.fromIrMul(dx1, operand: p.inputs[1]),
            ])
        }
        let expected = [reference.mid, reference.dweight, reference.dx2, reference.dx1]
        let errors = zip(runs[0], expected).map { SelftestMath.relativeError($0, $1) }
        let identical = KernelCheckMath.identical(runs[0], runs[1])
        let bound = HalfFeatureCheck.bound
        let listed = KernelCheckMath.listing(["mid", "dweight", "dsh", "dx1 (edge terms summed)"], errors)
        return (errors.allSatisfy { $0 <= bound } && identical,
                "\(atoms) atoms, \(edges) edges (unsorted), h [E, \(k)] · W [\(k), \(width)] in \(storage): \(listed) ≤ "
                    + "\(SelftestMath.scientific(bound)); two runs bitwise \(identical ? "identical" : "DIFFERENT")")
    }
}
