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

    /// On a stacked `[2·count]` pair `z = [values; tangents]`: `x = [scale·σ(z); scale·σ′(z)·ż]` (stacked likewise).
    func dualActivation(_ name: String, z: DeviceBuffer, x: DeviceBuffer, count: Int, scale: Double, stream: CUDAStream)
        throws
    {
        let size = UInt64(count * scalar.byteSize)
        try launch(
            "dual_act_forward_" + name, count: count,
            [
                .int64(Int64(count)), .buffer(z), .pointer(z.address + size), .buffer(x), .pointer(x.address + size),
                value(scale),
            ], stream)
    }

    /// The reverse of ``dualActivation(_:z:x:count:scale:stream:)`` in place on the stacked adjoints `g = [x̄; ẋ̄]`:
    /// `[scale·(σ′(z)·x̄ + σ″(z)·ż·ẋ̄); scale·σ′(z)·ẋ̄]`.
    func dualActivationBackward(
        _ name: String, z: DeviceBuffer, gradient g: DeviceBuffer, count: Int, scale: Double, stream: CUDAStream
    ) throws {
        let size = UInt64(count * scalar.byteSize)
        try launch(
            "dual_act_backward_" + name, count: count,
            [
                .int64(Int64(count)), .buffer(z), .pointer(z.address + size), .buffer(g), .pointer(g.address + size),
                value(scale),
            ], stream)
    }
}
