// SwiftMACE, MIT licence.
// ConvolutionKernels: the generated conv_tp kernels (ConvolutionKernelSource) compiled and loaded, with typed
// launches for each scalar type.

import CUDA
import Equivariance

/// conv_tp forward and backward on the GPU for one ``ChannelwiseTensorProductDescriptor``.
///
/// Buffers hold ``KernelScalar`` values in the ir_mul layout (``IrMulLayout``); per-edge buffers are in the
/// caller's edge order, node buffers `[atoms, size]`. Forward and ``backward(receivers:weight:x1:x2:dmid:dweight:dx2:scalar:stream:)``
/// walk the receiver CSR; ``senderBackward(senders:weight:x2:dmid:dx1:scalar:stream:)`` the sender CSR. All
/// outputs are overwritten (no zeroing needed), with no atomics: bitwise reproducible.
public final class ConvolutionKernels: @unchecked Sendable {
    public let source: ConvolutionKernelSource
    let module: CUDAModule

    public init(context: CUDAContext, cache: KernelCache, descriptor: ChannelwiseTensorProductDescriptor) throws {
        source = try ConvolutionKernelSource(descriptor: descriptor)
        module = try context.loadModule(KernelSource(name: "conv_tp.cu", code: source.code), cache: cache)
    }

    /// `mid[receiver] = Σ_edges TP(weight[e], x1[sender], x2[e])`.
    public func forward(
        receivers: DeviceEdgeCSR, weight: DeviceBuffer, x1: DeviceBuffer, x2: DeviceBuffer, mid: DeviceBuffer,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.forward.entryName(scalar)), source.forward, csr: receivers,
            operands: [weight, x1, x2, mid], stream: stream)
    }

    /// Gradients per edge: `dweight[e]`, `dx2[e]` from the receivers' output cotangent `dmid`.
    public func backward(
        receivers: DeviceEdgeCSR, weight: DeviceBuffer, x1: DeviceBuffer, x2: DeviceBuffer, dmid: DeviceBuffer,
        dweight: DeviceBuffer, dx2: DeviceBuffer, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.backward.entryName(scalar)), source.backward, csr: receivers,
            operands: [weight, x1, x2, dmid, dweight, dx2], stream: stream)
    }

    /// The sender-feature gradient `dx1[sender] = Σ_edges ∂/∂x1`, summed per sender row.
    public func senderBackward(
        senders: DeviceEdgeCSR, weight: DeviceBuffer, x2: DeviceBuffer, dmid: DeviceBuffer, dx1: DeviceBuffer,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.senderBackward.entryName(scalar)), source.senderBackward, csr: senders,
            operands: [weight, nil, x2, dmid, dx1], stream: stream)
    }
}
