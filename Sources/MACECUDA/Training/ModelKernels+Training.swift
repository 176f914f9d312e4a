// SwiftMACE, MIT licence.
// Launches of the training pass's hand-written kernels (TrainingKernelSource): the edge embedding's tangent and
// activations on (value, tangent) pairs, forward and reverse.

import CUDA

extension ModelKernels {
    /// Spherical-harmonics tangent `shTangent [E, NSH]` and the radial basis stacked `[values; tangents]` in
    /// `radialStack [2E, NB]`, for the edge-vector tangents `delta[receiver] − delta[sender]` (`delta` f64 `[N, 3]`).
    func edgeTangent(
        edges: Int, vectors: DeviceBuffer, senders: DeviceBuffer, receivers: DeviceBuffer, delta: DeviceBuffer,
        radial: Radial, shTangent: DeviceBuffer, radialStack: DeviceBuffer, stream: CUDAStream
    ) throws {
        try launch(
            "edge_tangent", count: edges,
            [
                .int32(Int32(edges)), .buffer(vectors), .buffer(senders), .buffer(receivers), .buffer(delta),
                .buffer(radial.besselWeights), value(radial.prefactor), value(radial.rMax), .buffer(shTangent),
                .buffer(radialStack),
            ], stream)
    }

    /// `count` (value, tangent) pairs `(z, ż)` at two addresses: `x = scale·σ(z)`, `ẋ = scale·σ′(z)·ż`.
    func dualActivation(
        _ name: String, z: UInt64, zTangent: UInt64, x: UInt64, xTangent: UInt64, count: Int, scale: Double,
        stream: CUDAStream
    ) throws {
        try launch(
            "dual_act_forward_" + name, count: count,
            [.int64(Int64(count)), .pointer(z), .pointer(zTangent), .pointer(x), .pointer(xTangent), value(scale)],
            stream)
    }

    /// The same on stacked buffers `z = [values; tangents]` → `x` (stacked likewise), `count` pairs.
    func dualActivation(_ name: String, z: DeviceBuffer, x: DeviceBuffer, count: Int, scale: Double, stream: CUDAStream)
        throws
    {
        let size = UInt64(count * scalar.byteSize)
        try dualActivation(
            name, z: z.address, zTangent: z.address + size, x: x.address, xTangent: x.address + size, count: count,
            scale: scale, stream: stream)
    }

    /// The tangent `ẋ = scale·σ′(z)·ż` of `count` float32 pairs in rows of `width`, written as 3xTF32 rows
    /// `[ẋ_hi | ẋ_hi | ẋ_lo]` of `3·width` into `split`.
    func dualActivationSplit(
        _ name: String, z: UInt64, zTangent: UInt64, split: UInt64, count: Int, width: Int, scale: Double,
        stream: CUDAStream
    ) throws {
        try launch(
            "dual_act_split_" + name + "_f32", count: count, typed: false,
            [.int64(Int64(count)), .int32(Int32(width)), .pointer(z), .pointer(zTangent), .pointer(split),
             .float32(Float(scale))], stream)
    }

    /// The reverse of ``dualActivation(_:z:zTangent:x:xTangent:count:scale:stream:)``, in place on the adjoints
    /// `(x̄, ẋ̄)` at `gradient` and `gradientTangent`: `x̄ ← scale·(σ′(z)·x̄ + σ″(z)·ż·ẋ̄)`, `ẋ̄ ← scale·σ′(z)·ẋ̄`.
    func dualActivationBackward(
        _ name: String, z: UInt64, zTangent: UInt64, gradient: UInt64, gradientTangent: UInt64, count: Int,
        scale: Double, stream: CUDAStream
    ) throws {
        try launch(
            "dual_act_backward_" + name, count: count,
            [
                .int64(Int64(count)), .pointer(z), .pointer(zTangent), .pointer(gradient), .pointer(gradientTangent),
                value(scale),
            ], stream)
    }

    /// The same on stacked buffers: `z = [values; tangents]`, adjoints `g = [x̄; ẋ̄]`, `count` pairs.
    func dualActivationBackward(
        _ name: String, z: DeviceBuffer, gradient g: DeviceBuffer, count: Int, scale: Double, stream: CUDAStream
    ) throws {
        let size = UInt64(count * scalar.byteSize)
        try dualActivationBackward(
            name, z: z.address, zTangent: z.address + size, gradient: g.address, gradientTangent: g.address + size,
            count: count, scale: scale, stream: stream)
    }
}
