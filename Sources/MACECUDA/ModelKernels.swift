// SwiftMACE, MIT licence.
// ModelKernels: the model's hand-written kernels (ModelKernelSource) compiled and loaded, with typed launches.

import CUDA
import Equivariance

/// Launches of the element-wise, edge-embedding, energy and force kernels in one scalar type.
struct ModelKernels {
    let module: CUDAModule
    let scalar: KernelScalar
    let source: ModelKernelSource
    /// The float32 fused radial-MLP kernels: `tc` (3xTF32, float32-class error) or `tc1` (one TF32 product, for the
    /// 16-bit policies, whose last radial layer rounds its input to 16 bits anyway).
    let tensorCoreVariant: String

    init(
        context: CUDAContext, cache: KernelCache, source: ModelKernelSource, scalar: KernelScalar,
        singleTF32MLP: Bool = false
    ) throws {
        module = try context.loadModule(KernelSource(name: "mace_model.cu", code: source.code), cache: cache)
        self.scalar = scalar
        self.source = source
        tensorCoreVariant = singleTF32MLP ? "tc1" : "tc"
        if let shape = source.mlp, scalar == .float32 {
            let bytes = shape.tensorCoreSharedBytes
            try module.kernel(named: "mlp_forward_\(tensorCoreVariant)_" + shape.activation)
                .setMaxDynamicSharedMemory(bytes: bytes.forward)
            try module.kernel(named: "mlp_backward_\(tensorCoreVariant)_" + shape.activation)
                .setMaxDynamicSharedMemory(bytes: bytes.backward)
        }
    }

    func value(_ x: Double) -> KernelArgument { scalar == .float32 ? .float32(Float(x)) : .float64(x) }

    func launch(_ name: String, count: Int, typed: Bool = true, _ arguments: [KernelArgument], _ stream: CUDAStream)
        throws
    {
        guard count > 0 else { return }
        let threads = ModelKernelSource.threads
        try module.kernel(named: typed ? name + "_" + scalar.suffix : name).launch(
            grid: ((count + threads - 1) / threads, 1, 1), block: (threads, 1, 1), stream: stream,
            arguments: arguments)
    }

    func fill(_ buffer: DeviceBuffer, count: Int, value v: Double, stream: CUDAStream) throws {
        try launch("fill", count: count, [.int64(Int64(count)), .buffer(buffer), value(v)], stream)
    }

    func add(_ y: DeviceBuffer, _ x: DeviceBuffer, count: Int, parts: Int = 1, stream: CUDAStream) throws {
        try launch("add", count: count, [.int64(Int64(count)), .int32(Int32(parts)), .buffer(y), .buffer(x)], stream)
    }

    /// `x = scale · act(z)`.
    func activation(_ name: String, z: DeviceBuffer, x: DeviceBuffer, count: Int, scale: Double, stream: CUDAStream)
        throws
    {
        try launch("act_forward_" + name, count: count, [.int64(Int64(count)), .buffer(z), .buffer(x), value(scale)], stream)
    }

    /// `out = x` rounded to `half` (float32 `x`, `count` values).
    func toHalf(_ x: DeviceBuffer, out: DeviceBuffer, count: Int, half: HalfStorage, stream: CUDAStream) throws {
        try launch(
            "to_half_" + half.suffix, count: count, typed: false, [.int64(Int64(count)), .buffer(x), .buffer(out)], stream)
    }

    /// `x = scale · act(z)` rounded to `half` (float32 `z`).
    func activation(
        _ name: String, z: DeviceBuffer, half x: DeviceBuffer, count: Int, scale: Double, storage: HalfStorage,
        stream: CUDAStream
    ) throws {
        try launch(
            "act_forward_\(name)_" + storage.suffix, count: count, typed: false,
            [.int64(Int64(count)), .buffer(z), .buffer(x), .float32(Float(scale))], stream)
    }

    /// `out = g · scale · act′(z)` rounded to `half` (float32 `z` and `g`).
    func activationBackward(
        _ name: String, z: DeviceBuffer, gradient: DeviceBuffer, half out: DeviceBuffer, count: Int, scale: Double,
        storage: HalfStorage, stream: CUDAStream
    ) throws {
        try launch(
            "act_backward_\(name)_" + storage.suffix, count: count, typed: false,
            [.int64(Int64(count)), .buffer(z), .buffer(gradient), .buffer(out), .float32(Float(scale))], stream)
    }

    /// `x = scale · act(z)` as float32 rows `[x_hi | x_hi | x_lo]` (`z` is `[count / width, width]`).
    func splitActivation(_ name: String, z: DeviceBuffer, split: DeviceBuffer, count: Int, width: Int, scale: Double,
                         stream: CUDAStream) throws {
        try launch(
            "act_forward_split_" + name + "_f32", count: count, typed: false,
            [.int64(Int64(count)), .int32(Int32(width)), .buffer(z), .buffer(split), .float32(Float(scale))], stream)
    }

    /// Rows `base..<base + rows` of `source` (`width` wide) into `out`; with an activation, `scale · act(row)`, and
    /// with `split` (float32, activation given) as 3xTF32 rows `[hi | hi | lo]` of `3 · width`.
    func copyRows(
        _ source: UInt64, out: UInt64, rows: Int, width: Int, base: Int, activation: String? = nil,
        scale: Double = 1, split: Bool = false, stream: CUDAStream
    ) throws {
        let count = rows * width
        var arguments: [KernelArgument] = [
            .int64(Int64(count)), .int32(Int32(width)), .int64(Int64(base)), .pointer(source), .pointer(out),
        ]
        if let activation, split {
            arguments.append(.float32(Float(scale)))
            try launch("copy_act_split_" + activation + "_f32", count: count, typed: false, arguments, stream)
            return
        }
        if activation != nil { arguments.append(value(scale)) }
        try launch(activation.map { "copy_act_" + $0 } ?? "copy_rows", count: count, arguments, stream)
    }

    /// `g ← g · scale · act′(z)`.
    func activationBackward(
        _ name: String, z: DeviceBuffer, gradient: DeviceBuffer, count: Int, scale: Double, stream: CUDAStream
    ) throws {
        try launch(
            "act_backward_" + name, count: count, [.int64(Int64(count)), .buffer(z), .buffer(gradient), value(scale)],
            stream)
    }

    /// Where the fused radial MLP's forward writes the last hidden activation (`mode` of `mlp_forward_*`).
    enum MLPOutput: Int32 {
        case plain = 1, split3xTF32, bfloat16, float16
    }

    /// The fused hidden radial MLP forward (``RadialMLPShape``): pre-activations into `z` (one address per hidden
    /// layer, `[edges, width]` each), the last hidden activation into `out` as `mode` says.
    func mlpForward(
        edges: Int, x: UInt64, weights: DeviceBuffer, z: [UInt64], out: UInt64, mode: MLPOutput,
        stream: CUDAStream
    ) throws {
        guard let shape = source.mlp, edges > 0 else { return }
        let arguments: [KernelArgument] = [.int32(Int32(edges)), .pointer(x), .buffer(weights)] + z.map { .pointer($0) }
            + [.pointer(out), .int32(mode.rawValue)]
        if scalar == .float32 {
            return try launchTensorCore(
                "mlp_forward_\(tensorCoreVariant)_" + shape.activation, edges: edges, shared: shape.tensorCoreSharedBytes.forward,
                arguments, stream)
        }
        let rows = 512 / scalar.byteSize
        try module.kernel(named: "mlp_forward_\(shape.activation)_" + scalar.suffix).launch(
            grid: ((edges + rows - 1) / rows, 1, 1), block: (rows, 1, 1), stream: stream, arguments: arguments)
    }

    /// A float32 tensor-core MLP kernel: 128 threads, blocks looping over 128-edge tiles, as many blocks as fit on
    /// the device at once (by shared memory).
    private func launchTensorCore(
        _ name: String, edges: Int, shared: Int, _ arguments: [KernelArgument], _ stream: CUDAStream
    ) throws {
        let device = module.context.device
        let perSM = max(1, (device.maxSharedMemoryPerBlockOptin + 1024) / (shared + 1024))
        let blocks = min((edges + 127) / 128, perSM * device.multiprocessorCount)
        try module.kernel(named: name).launch(
            grid: (blocks, 1, 1), block: (128, 1, 1), sharedMemoryBytes: shared, stream: stream, arguments: arguments)
    }

    /// The fused hidden radial MLP backward: from `g` (d/d last hidden activation, `[edges, width]`) and the kept
    /// pre-activations, `gx (+)= d/d(MLP input)`.
    func mlpBackward(
        edges: Int, g: UInt64, weights: DeviceBuffer, z: [UInt64], gx: UInt64, accumulate: Bool,
        stream: CUDAStream
    ) throws {
        guard let shape = source.mlp, edges > 0 else { return }
        let arguments: [KernelArgument] = [.int32(Int32(edges)), .pointer(g), .buffer(weights)] + z.map { .pointer($0) }
            + [.pointer(gx), .int32(accumulate ? 1 : 0)]
        if scalar == .float32 {
            return try launchTensorCore(
                "mlp_backward_\(tensorCoreVariant)_" + shape.activation, edges: edges, shared: shape.tensorCoreSharedBytes.backward,
                arguments, stream)
        }
        let rows = 512 / scalar.byteSize
        try module.kernel(named: "mlp_backward_\(shape.activation)_" + scalar.suffix).launch(
            grid: ((edges + rows - 1) / rows, 1, 1), block: (rows, 1, 1), stream: stream, arguments: arguments)
    }

    /// `c = a · Wᵀ` in 3xTF32 (float32): `a` `[rows, k]`, `split` the last layer's `[W_hi; W_lo]` (`[2, width, k]`),
    /// `c` `[rows, width]`; every address 16-byte aligned, `k` a multiple of 4.
    func mlpGradient3xTF32(rows: Int, k: Int, a: UInt64, split: DeviceBuffer, c: UInt64, stream: CUDAStream) throws {
        guard rows > 0 else { return }
        try module.kernel(named: "mlp_grad_3xtf32").launch(
            grid: ((rows + 127) / 128, 1, 1), block: (128, 1, 1), stream: stream,
            arguments: [.int32(Int32(rows)), .int32(Int32(k)), .pointer(a), .buffer(split), .pointer(c)])
    }

    struct Radial {
        let besselWeights: DeviceBuffer
        let prefactor: Double
        let rMax: Double
    }

    func edgeEmbedding(
        edges: Int, positions: DeviceBuffer, senders: DeviceBuffer, receivers: DeviceBuffer, shifts: DeviceBuffer,
        radial: Radial, vectors: DeviceBuffer, sh: DeviceBuffer, features: DeviceBuffer, stream: CUDAStream
    ) throws {
        try launch(
            "edge_embedding", count: edges,
            [
                .int32(Int32(edges)), .buffer(positions), .buffer(senders), .buffer(receivers), .buffer(shifts),
                .buffer(radial.besselWeights), value(radial.prefactor), value(radial.rMax), .buffer(vectors),
                .buffer(sh), .buffer(features),
            ], stream)
    }

    func edgeEmbeddingBackward(
        edges: Int, vectors: DeviceBuffer, radial: Radial, gradientSH: DeviceBuffer, gradientRadial: DeviceBuffer,
        gradientVectors: DeviceBuffer, stream: CUDAStream
    ) throws {
        try launch(
            "edge_embedding_backward", count: edges,
            [
                .int32(Int32(edges)), .buffer(vectors), .buffer(radial.besselWeights), value(radial.prefactor),
                value(radial.rMax), .buffer(gradientSH), .buffer(gradientRadial), .buffer(gradientVectors),
            ], stream)
    }

    func nodeEnergy(
        nodes: Int, elements: DeviceBuffer, e0: DeviceBuffer, accumulated: DeviceBuffer, scale: Double, shift: Double,
        out: DeviceBuffer, stream: CUDAStream
    ) throws {
        try launch(
            "node_energy", count: nodes,
            [
                .int32(Int32(nodes)), .buffer(elements), .buffer(e0), .buffer(accumulated), value(scale), value(shift),
                .buffer(out),
            ], stream)
    }

    func forces(
        nodes: Int, receiverOffsets: DeviceBuffer, senderOffsets: DeviceBuffer, senderEdgeIDs: DeviceBuffer,
        gradientVectors: DeviceBuffer, forces: DeviceBuffer, stream: CUDAStream
    ) throws {
        try launch(
            "forces", count: nodes, typed: false,
            [
                .int32(Int32(nodes)), .buffer(receiverOffsets), .buffer(senderOffsets), .buffer(senderEdgeIDs),
                .buffer(gradientVectors), .buffer(forces),
            ], stream)
    }
}
