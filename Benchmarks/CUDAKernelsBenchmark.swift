// SwiftMACE, MIT licence.
// `swiftmace-benchmarks cuda-kernels [atoms…]`: the generated conv_tp (layer 2 of the medium model, C = 128; plain
// and dual) and symmetric contraction kernels on water-like random graphs (~89 edges per atom), timed with CUDA
// events (3 warm-ups, median of 20), with FLOP/s from the descriptors and bytes/s against the H100 floor.

import CUDA
import Equivariance
import EquivarianceCUDA
import Foundation

func runCUDAKernelsBenchmark(_ arguments: ArraySlice<String>) throws {
    let sizes = arguments.compactMap { Int($0) }.isEmpty ? [1536, 24000] : arguments.compactMap { Int($0) }
    let context = try CUDAContext.shared()
    let stream = try CUDAStream(context: context)
    let cache = try KernelCache(context: context)
    print(context.device)
    let conv = try ConvolutionKernels(
        context: context, cache: cache, descriptor: try EquivariantKernelSelftest.layer2Convolution(channels: 128))
    let scDescriptor = try EquivariantKernelSelftest.layer1Contraction(channels: 128, elements: 3)
    let contraction = try SymmetricContractionKernels(context: context, cache: cache, polynomial: scDescriptor.polynomial)
    let fill = try context.loadModule(KernelSource(name: "fill_uniform.cu", code: fillSource), cache: cache)
    let timer = try EventTimer(context: context, stream: stream)
    let peakFLOP = 66.9e12
    let peakBytes = 3.35e12
    print("floor: H100 SXM FP32 \(peakFLOP / 1e12) TFLOP/s, HBM \(peakBytes / 1e12) TB/s; bytes = each input read "
        + "once (gathered rows once per atom), each output written once")
    print("kernel | atoms | edges | dtype | median ms (min..max) | GFLOP/s | GB/s | floor ms | floor/median")
    for atoms in sizes {
        let graph = SyntheticGraph(atomCount: atoms, degree: 89, window: 256, seed: UInt64(atoms))
        let edges = graph.edgeCount
        let (receivers, senders) = try graph.deviceCSRs(context: context, stream: stream)
        let scalars: [KernelScalar] = atoms <= 4096 ? [.float32, .float64] : [.float32]
        for scalar in scalars {
            let s = scalar.byteSize
            let p = conv.source.forwardPolynomial
            let (w, d1, d2, dm) = (p.inputs[0].size, p.inputs[1].size, p.inputs[2].size, p.outputs[0].size)
            func random(_ count: Int) throws -> DeviceBuffer {
                let buffer = try DeviceBuffer(context: context, byteCount: count * s, stream: stream)
                try fill.kernel(named: "fill_uniform_" + scalar.suffix).launch(
                    grid: (min((count + 255) / 256, 65535), 1, 1), block: (256, 1, 1), stream: stream,
                    arguments: [.int64(Int64(count)), .uint64(UInt64(count) &* 2_654_435_761), .buffer(buffer)])
                return buffer
            }
            let weight = try random(edges * w), x1 = try random(atoms * d1), x2 = try random(edges * d2)
            let dmid = try random(atoms * dm)
            let mid = try DeviceBuffer(context: context, byteCount: atoms * dm * s, stream: stream)
            let dweight = try DeviceBuffer(context: context, byteCount: edges * w * s, stream: stream)
            let dx2 = try DeviceBuffer(context: context, byteCount: edges * d2 * s, stream: stream)
            let dx1 = try DeviceBuffer(context: context, byteCount: atoms * d1 * s, stream: stream)
            let csrBytes = (atoms + 1) * 4 + edges * 8
            func row(_ name: String, flop: Int, bytes: Int, _ body: () throws -> Void) throws {
                let t = try timer.time(body)
                let floor = max(Double(flop) / peakFLOP, Double(bytes) / peakBytes) * 1e3
                print(String(format: "%@ | %d | %d | %@ | %.3f (%.3f..%.3f) | %.0f | %.0f | %.3f | %.2f", name, atoms,
                             edges, scalar.rawValue, t.median, t.min, t.max, Double(flop) / t.median / 1e6,
                             Double(bytes) / t.median / 1e6, floor, floor / t.median))
            }
            try row("conv_tp forward", flop: p.flopCount(batch: edges),
                    bytes: (edges * (w + d2) + atoms * (d1 + dm)) * s + csrBytes) {
                try conv.forward(receivers: receivers, weight: weight, x1: x1, x2: x2, mid: mid, scalar: scalar, stream: stream)
            }
            let backwardFLOP = conv.source.backwardPolynomial.flopCount(batch: edges)
            let backwardBytes = (2 * edges * (w + d2) + atoms * (d1 + dm)) * s + csrBytes
            try row("conv_tp backward dR,dY", flop: backwardFLOP, bytes: backwardBytes) {
                try conv.backward(
                    receivers: receivers, weight: weight, x1: x1, x2: x2, dmid: dmid, dweight: dweight, dx2: dx2,
                    scalar: scalar, stream: stream)
            }
            let senderFLOP = conv.source.senderBackwardPolynomial.flopCount(batch: edges)
            let senderBytes = (edges * (w + d2) + atoms * (d1 + dm)) * s + csrBytes
            try row("conv_tp backward dx1", flop: senderFLOP, bytes: senderBytes) {
                try conv.senderBackward(
                    senders: senders, weight: weight, x2: x2, dmid: dmid, dx1: dx1, scalar: scalar, stream: stream)
            }
            try row("conv_tp backward total", flop: backwardFLOP + senderFLOP,
                    bytes: backwardBytes + senderBytes - atoms * (d1 + dm) * s) {
                try conv.backward(
                    receivers: receivers, weight: weight, x1: x1, x2: x2, dmid: dmid, dweight: dweight, dx2: dx2,
                    scalar: scalar, stream: stream)
                try conv.senderBackward(
                    senders: senders, weight: weight, x2: x2, dmid: dmid, dx1: dx1, scalar: scalar, stream: stream)
            }
            // The same conv on dual numbers (value, tangent), the training pass's kernels: every operand doubled.
            let weightTangent = try random(edges * w), x1Tangent = try random(atoms * d1)
            let x2Tangent = try random(edges * d2), dmidTangent = try random(atoms * dm)
            let midTangent = try DeviceBuffer(context: context, byteCount: atoms * dm * s, stream: stream)
            let dweightTangent = try DeviceBuffer(context: context, byteCount: edges * w * s, stream: stream)
            let dx1Tangent = try DeviceBuffer(context: context, byteCount: atoms * d1 * s, stream: stream)
            try row("conv_tp dual forward", flop: conv.source.dualPolynomial.flopCount(batch: edges),
                    bytes: 2 * ((edges * (w + d2) + atoms * (d1 + dm)) * s) + csrBytes) {
                try conv.dualForward(
                    receivers: receivers, weight: weight.address, weightTangent: weightTangent.address,
                    x1: x1.address, x1Tangent: x1Tangent.address, x2: x2.address, x2Tangent: x2Tangent.address,
                    mid: mid.address, midTangent: midTangent.address, scalar: scalar, stream: stream)
            }
            try row("conv_tp dual backward dR", flop: conv.source.dualWeightBackwardPolynomial.flopCount(batch: edges),
                    bytes: 2 * ((edges * (w + d2) + atoms * (d1 + dm)) * s) + csrBytes) {
                try conv.dualWeightBackward(
                    receivers: receivers, x1: x1.address, x1Tangent: x1Tangent.address, x2: x2.address,
                    x2Tangent: x2Tangent.address, dmid: dmid.address, dmidTangent: dmidTangent.address,
                    dweight: dweight.address, dweightTangent: dweightTangent.address, scalar: scalar, stream: stream)
            }
            try row("conv_tp dual backward dx1", flop: conv.source.dualSenderBackwardPolynomial.flopCount(batch: edges),
                    bytes: 2 * ((edges * (w + d2) + atoms * (d1 + dm)) * s) + csrBytes) {
                try conv.dualSenderBackward(
                    senders: senders, weight: weight.address, weightTangent: weightTangent.address, x2: x2.address,
                    x2Tangent: x2Tangent.address, dmid: dmid.address, dmidTangent: dmidTangent.address,
                    dx1: dx1.address, dx1Tangent: dx1Tangent.address, scalar: scalar, stream: stream)
            }
            // Symmetric contraction (layer 1, 3 elements) on the same atoms.
            let sc = scDescriptor.polynomial
            let plan = contraction.source.plan
            let (dx, db) = (sc.inputs[scDescriptor.featureInput].size, sc.outputs[0].size)
            let elements = try DeviceBuffer(
                context: context, copying: (0..<atoms).map { Int32($0 % 3) }, stream: stream)
            let table = try random(3 * plan.slots.count * plan.channels)
            let x = try random(atoms * dx), dout = try random(atoms * db)
            let out = try DeviceBuffer(context: context, byteCount: atoms * db * s, stream: stream)
            let gx = try DeviceBuffer(context: context, byteCount: atoms * dx * s, stream: stream)
            let tableBytes = 3 * plan.slots.count * plan.channels * s
            try row("contraction forward", flop: sc.flopCount(batch: atoms),
                    bytes: atoms * (dx + db) * s + tableBytes + atoms * 4) {
                try contraction.forward(
                    nodes: atoms, elements: elements, coefficients: table, x: x, out: out, scalar: scalar, stream: stream)
            }
            try row("contraction backward dx",
                    flop: try sc.backward(withRespectTo: [scDescriptor.featureInput]).flopCount(batch: atoms),
                    bytes: atoms * (2 * dx + db) * s + tableBytes + atoms * 4) {
                try contraction.backward(
                    nodes: atoms, elements: elements, coefficients: table, x: x, dout: dout, dx: gx, scalar: scalar,
                    stream: stream)
            }
        }
        let statistics = context.allocator.statistics
        print("allocator after \(atoms) atoms: peak \(statistics.peakAllocatedBytes >> 20) MiB")
    }
    print("GFLOP/s use the descriptors' naive flopCount (coefficient × channel × (factors + 1)); the contraction "
        + "kernels run the monomial form, which does fewer.")
}

/// Times a body on a stream with CUDA events: 3 warm-ups, then the median of 20.
private struct EventTimer {
    let stream: CUDAStream
    let start: CUDAEvent
    let end: CUDAEvent

    init(context: CUDAContext, stream: CUDAStream) throws {
        self.stream = stream
        start = try CUDAEvent(context: context)
        end = try CUDAEvent(context: context)
    }

    func time(_ body: () throws -> Void) throws -> (median: Double, min: Double, max: Double) {
        for _ in 0..<3 { try body() }
        var samples: [Double] = []
        for _ in 0..<20 {
            try start.record(on: stream)
            try body()
            try end.record(on: stream)
            samples.append(try end.elapsedMilliseconds(since: start))
        }
        samples.sort()
        return (samples[samples.count / 2], samples[0], samples[samples.count - 1])
    }
}

/// Uniform values in [-1, 1) from a hash of the index (random inputs without a host copy of gigabytes).
private let fillSource = """
    __device__ __forceinline__ double swiftmace_hash_uniform(unsigned long long i, unsigned long long seed) {
      unsigned long long z = i * 0x9E3779B97F4A7C15ull + seed;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      z ^= z >> 31;
      return (double)(z >> 11) * 0x1.0p-52 - 1.0;
    }
    extern "C" __global__ void fill_uniform_f32(long long n, unsigned long long seed, float* out) {
      for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = (float)swiftmace_hash_uniform(i, seed);
    }
    extern "C" __global__ void fill_uniform_f64(long long n, unsigned long long seed, double* out) {
      for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x)
        out[i] = swiftmace_hash_uniform(i, seed);
    }
    """
