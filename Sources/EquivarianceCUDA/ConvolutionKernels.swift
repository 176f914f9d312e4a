// SwiftMACE, MIT licence.
// ConvolutionKernels: the generated conv_tp kernels (ConvolutionKernelSource) compiled and loaded, with typed
// launches for each scalar type, plain and on dual numbers (value and tangent) for reverse-over-forward training.

import CUDA
import Equivariance

/// conv_tp forward and backward on the GPU for one ``ChannelwiseTensorProductDescriptor``.
///
/// Buffers hold ``KernelScalar`` values in the ir_mul layout (``IrMulLayout``); per-edge buffers are in the
/// caller's edge order, node buffers `[atoms, size]`. Forward and ``backward(receivers:weight:x1:x2:dmid:dweight:dx2:scalar:stream:)``
/// walk the receiver CSR; ``senderBackward(senders:weight:x2:dmid:dx1:scalar:stream:)`` the sender CSR (or, with a
/// per-edge buffer, ``backwardWithEdgeDx1(receivers:weight:x1:x2:dmid:dweight:dx1Edges:dx2:scalar:stream:)`` then
/// ``senderSum(senders:dx1Edges:dx1:scalar:stream:)``). The dual kernels (`dualForward`, `dualWeightBackward`,
/// `dualSenderBackward`, `dualBackwardInPlace`) take device addresses only. All outputs are overwritten (no
/// zeroing needed), with no atomics: bitwise reproducible.
public final class ConvolutionKernels: @unchecked Sendable {
    public let source: ConvolutionKernelSource
    let module: CUDAModule
    /// The storage of the per-edge weights and their gradient in float32 launches (nil: float32).
    public let weightStorage: HalfStorage?
    /// The module of the 16-bit feature variants (``ConvolutionKernelSource/halfCode``), when float32 launches keep
    /// `x1`, `mid` and the per-edge d/dx1 terms in ``weightStorage`` too.
    let halfModule: CUDAModule?

    /// - Parameters:
    ///   - weightStorage: `weight` (and `dweight`) buffers of float32 launches hold this 16-bit type.
    ///   - halfFeatures: float32 launches also read `x1`, write `mid` and the per-edge d/dx1 terms in
    ///     `weightStorage` (``forward(receivers:weight:x1:x2:mid:scalar:stream:)``, both backwards and
    ///     ``senderSum(senders:dx1Edges:dx1:scalar:stream:)``; `x2`, `dmid`, `dx2`, `dx1` stay float32).
    /// - Throws: `CUDAError.invalidArgument` for `halfFeatures` without a `weightStorage`.
    public init(
        context: CUDAContext, cache: KernelCache, descriptor: ChannelwiseTensorProductDescriptor,
        weightStorage: HalfStorage? = nil, halfFeatures: Bool = false
    ) throws {
        guard !halfFeatures || weightStorage != nil else {
            throw CUDAError.invalidArgument("conv_tp: 16-bit features need a 16-bit weight storage; got none")
        }
        source = try ConvolutionKernelSource(descriptor: descriptor)
        module = try context.loadModule(KernelSource(name: "conv_tp.cu", code: source.code), cache: cache)
        halfModule = halfFeatures
            ? try context.loadModule(KernelSource(name: "conv_tp_half.cu", code: source.halfCode), cache: cache) : nil
        self.weightStorage = weightStorage
    }

    /// The entry point of `kernel` for `scalar` (with the weight storage for float32), or of its 16-bit feature
    /// variant `half` for a float32 launch when the features are stored in 16 bits.
    private func entry(
        _ kernel: GeneratedKernel, _ scalar: KernelScalar, half: GeneratedKernel? = nil
    ) throws -> CUDAKernel {
        if scalar == .float32, let halfModule, let half, let weightStorage {
            return try halfModule.kernel(named: half.entryName(scalar, storage: weightStorage))
        }
        return try module.kernel(named: kernel.entryName(scalar, storage: scalar == .float32 ? weightStorage : nil))
    }

    /// Whether float32 launches keep `x1`, `mid` and the per-edge d/dx1 terms in ``weightStorage``.
    public var halfFeatures: Bool { halfModule != nil }

    /// `mid[receiver] = Σ_edges TP(weight[e], x1[sender], x2[e])`.
    public func forward(
        receivers: DeviceEdgeCSR, weight: DeviceBuffer, x1: DeviceBuffer, x2: DeviceBuffer, mid: DeviceBuffer,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.forward, scalar, half: source.halfForward), source.forward, csr: receivers,
            operands: [weight, x1, x2, mid], stream: stream)
    }

    /// Gradients per edge: `dweight[e]`, `dx2[e]` from the receivers' output cotangent `dmid`.
    public func backward(
        receivers: DeviceEdgeCSR, weight: DeviceBuffer, x1: DeviceBuffer, x2: DeviceBuffer, dmid: DeviceBuffer,
        dweight: DeviceBuffer, dx2: DeviceBuffer, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.backward, scalar, half: source.halfBackward), source.backward, csr: receivers,
            operands: [weight, x1, x2, dmid, dweight, dx2], stream: stream)
    }

    /// The sender-feature gradient `dx1[sender] = Σ_edges ∂/∂x1`, summed per sender row.
    public func senderBackward(
        senders: DeviceEdgeCSR, weight: DeviceBuffer, x2: DeviceBuffer, dmid: DeviceBuffer, dx1: DeviceBuffer,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.senderBackward, scalar), source.senderBackward, csr: senders,
            operands: [weight, nil, x2, dmid, dx1], stream: stream)
    }

    /// ``backward(receivers:weight:x1:x2:dmid:dweight:dx2:scalar:stream:)`` that also writes each edge's d/dx1
    /// term, `dx1Edges[e]` (`[edges, x1 size]`, ir_mul); ``senderSum(senders:dx1Edges:dx1:scalar:stream:)`` then
    /// gives what ``senderBackward(senders:weight:x2:dmid:dx1:scalar:stream:)`` gives, reading `dmid` once per
    /// receiver instead of once per edge.
    public func backwardWithEdgeDx1(
        receivers: DeviceEdgeCSR, weight: DeviceBuffer, x1: DeviceBuffer, x2: DeviceBuffer, dmid: DeviceBuffer,
        dweight: DeviceBuffer, dx1Edges: DeviceBuffer, dx2: DeviceBuffer, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.backwardWithEdgeDx1, scalar, half: source.halfBackwardWithEdgeDx1), source.backwardWithEdgeDx1,
            csr: receivers,
            operands: [weight, x1, x2, dmid, dweight, dx1Edges, dx2], stream: stream)
    }

    /// `dx1[sender] = Σ_edges dx1Edges[e]` over the sender CSR, in edge order.
    public func senderSum(
        senders: DeviceEdgeCSR, dx1Edges: DeviceBuffer, dx1: DeviceBuffer, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        let kernel = scalar == .float32 && halfFeatures
            ? try entry(source.senderSum, scalar, half: source.halfSenderSum)
            : try module.kernel(named: source.senderSum.entryName(scalar))
        try GeneratedLaunch.graph(kernel, source.senderSum, csr: senders, operands: [dx1Edges, dx1], stream: stream)
    }

    /// ``senderSum(senders:dx1Edges:dx1:scalar:stream:)`` on device addresses (`dx1Edges` indexed by the CSR's edge
    /// IDs, `dx1` by its local rows).
    public func senderSum(senders: DeviceEdgeCSR, dx1Edges: UInt64, dx1: UInt64, scalar: KernelScalar, stream: CUDAStream)
        throws
    {
        try GeneratedLaunch.graph(
            module.kernel(named: source.senderSum.entryName(scalar)), source.senderSum, csr: senders,
            addresses: [dx1Edges, dx1], stream: stream)
    }

    /// `dx1[targets[r]] += Σ_edges dx1Edges[e]` for each row `r` of `senders`, a CSR over some of the edges (one
    /// edge chunk's: its edge IDs index `dx1Edges`, e.g. the chunk's rows of ``backwardWithEdgeDx1(receivers:weight:x1:x2:dmid:dweight:dx1Edges:dx2:scalar:stream:)``),
    /// whose rows are distinct senders: `targets` (int32 per row) names each row's sender. Device addresses.
    public func senderSumAdd(
        senders: DeviceEdgeCSR, targets: UInt64, dx1Edges: UInt64, dx1: UInt64, scalar: KernelScalar,
        stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.senderSumAdd.entryName(scalar)), source.senderSumAdd, csr: senders,
            addresses: [dx1Edges, dx1, targets], stream: stream)
    }

    /// ``backwardWithEdgeDx1(receivers:weight:x1:x2:dmid:dweight:dx1Edges:dx2:scalar:stream:)`` on device
    /// addresses (see the address form of ``forward(receivers:weight:x1:x2:mid:scalar:stream:)``; `dx1Edges` indexed
    /// by the CSR's local edge IDs).
    public func backwardWithEdgeDx1(
        receivers: DeviceEdgeCSR, weight: UInt64, x1: UInt64, x2: UInt64, dmid: UInt64, dweight: UInt64,
        dx1Edges: UInt64, dx2: UInt64, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.backwardWithEdgeDx1, scalar), source.backwardWithEdgeDx1, csr: receivers,
            addresses: [weight, x1, x2, dmid, dweight, dx1Edges, dx2], stream: stream)
    }

    /// ``forward(receivers:weight:x1:x2:mid:scalar:stream:)`` on device addresses: per-edge operands indexed by
    /// the CSR's (local) edge IDs, `x1` by its gathered rows, `mid` by its (local) rows, so a CSR over a range of
    /// receivers and its edges works on row ranges of larger buffers (edge chunks).
    public func forward(
        receivers: DeviceEdgeCSR, weight: UInt64, x1: UInt64, x2: UInt64, mid: UInt64, scalar: KernelScalar,
        stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.forward, scalar, half: source.halfForward), source.forward, csr: receivers,
            addresses: [weight, x1, x2, mid], stream: stream)
    }

    /// ``backward(receivers:weight:x1:x2:dmid:dweight:dx2:scalar:stream:)`` on device addresses (see the address
    /// form of `forward`).
    public func backward(
        receivers: DeviceEdgeCSR, weight: UInt64, x1: UInt64, x2: UInt64, dmid: UInt64, dweight: UInt64, dx2: UInt64,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.backward, scalar, half: source.halfBackward), source.backward, csr: receivers,
            addresses: [weight, x1, x2, dmid, dweight, dx2], stream: stream)
    }

    /// ``senderBackward(senders:weight:x2:dmid:dx1:scalar:stream:)`` on device addresses (see the address form of
    /// `forward`; `dmid` is gathered by the CSR's gathered rows, `dx1` written per local row).
    public func senderBackward(
        senders: DeviceEdgeCSR, weight: UInt64, x2: UInt64, dmid: UInt64, dx1: UInt64, scalar: KernelScalar,
        stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            entry(source.senderBackward, scalar), source.senderBackward, csr: senders,
            addresses: [weight, 0, x2, dmid, dx1], stream: stream)
    }

    // MARK: - Dual numbers (reverse-over-forward training)

    /// `mid` and its tangent `midTangent` per receiver row, from the per-edge `weight`, `x2`, the senders' `x1`
    /// and each one's tangent: `ṁid = Σ TP(ẇeight, x1, x2) + TP(weight, ẋ1, x2) + TP(weight, x1, ẋ2)`. Device
    /// addresses, indexed as in the address form of ``forward(receivers:weight:x1:x2:mid:scalar:stream:)`` (a
    /// stacked buffer's value block and tangent block are passed separately). Plain `scalar` storage throughout.
    public func dualForward(
        receivers: DeviceEdgeCSR, weight: UInt64, weightTangent: UInt64, x1: UInt64, x1Tangent: UInt64, x2: UInt64,
        x2Tangent: UInt64, mid: UInt64, midTangent: UInt64, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.dualForward.entryName(scalar)), source.dualForward, csr: receivers,
            addresses: [weight, x1, x2, weightTangent, x1Tangent, x2Tangent, mid, midTangent], stream: stream)
    }

    /// The per-edge weight adjoints of a reverse pass over `dualForward`, from the receivers' cotangents of `mid`
    /// (`dmid`) and of its tangent (`dmidTangent`), each read once per receiver row: `dweight = ∂⟨dmid, mid⟩/∂weight
    /// + ∂⟨dmidTangent, ṁid⟩/∂weight`, `dweightTangent = ∂⟨dmidTangent, ṁid⟩/∂ẇeight`, written per edge. Device
    /// addresses (see `dualForward`).
    public func dualWeightBackward(
        receivers: DeviceEdgeCSR, x1: UInt64, x1Tangent: UInt64, x2: UInt64, x2Tangent: UInt64, dmid: UInt64,
        dmidTangent: UInt64, dweight: UInt64, dweightTangent: UInt64, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.dualWeightBackward.entryName(scalar)), source.dualWeightBackward,
            csr: receivers,
            addresses: [0, x1, x2, 0, x1Tangent, x2Tangent, dmid, dmidTangent, dweight, dweightTangent], stream: stream)
    }

    /// The whole reverse of `dualForward` but the sums over senders, walking the receiver CSR: the per-edge weight
    /// adjoints written over the weights (`dweight` over `weight`, `dweightTangent` over `weightTangent`, as in
    /// ``dualWeightBackward(receivers:x1:x1Tangent:x2:x2Tangent:dmid:dmidTangent:dweight:dweightTangent:scalar:stream:)``),
    /// and each edge's terms of the sender-feature adjoints, `dx1Edges` and `dx1EdgesTangent` (`[edges, x1 size]`
    /// each, ir_mul), reading `dmid` and `dmidTangent` once per receiver; ``senderSum(senders:dx1Edges:dx1:scalar:stream:)``
    /// on each then gives what
    /// ``dualSenderBackward(senders:weight:weightTangent:x2:x2Tangent:dmid:dmidTangent:dx1:dx1Tangent:scalar:stream:)``
    /// gives. Device addresses (see `dualForward`).
    public func dualBackwardInPlace(
        receivers: DeviceEdgeCSR, weight: UInt64, weightTangent: UInt64, x1: UInt64, x1Tangent: UInt64, x2: UInt64,
        x2Tangent: UInt64, dmid: UInt64, dmidTangent: UInt64, dx1Edges: UInt64, dx1EdgesTangent: UInt64,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.dualBackwardInPlace.entryName(scalar)), source.dualBackwardInPlace,
            csr: receivers,
            addresses: [
                weight, x1, x2, weightTangent, x1Tangent, x2Tangent, dmid, dmidTangent, weight, dx1Edges, weightTangent,
                dx1EdgesTangent,
            ], stream: stream)
    }

    /// The sender-feature adjoints of the same reverse pass, summed per sender row over the sender CSR:
    /// `dx1 = ∂⟨dmid, mid⟩/∂x1 + ∂⟨dmidTangent, ṁid⟩/∂x1`, `dx1Tangent = ∂⟨dmidTangent, ṁid⟩/∂ẋ1`; `dmid` and
    /// `dmidTangent` are gathered by the CSR's gathered rows (the receivers), per-edge operands indexed by its
    /// edge IDs. Device addresses (see `dualForward`); no atomics.
    public func dualSenderBackward(
        senders: DeviceEdgeCSR, weight: UInt64, weightTangent: UInt64, x2: UInt64, x2Tangent: UInt64, dmid: UInt64,
        dmidTangent: UInt64, dx1: UInt64, dx1Tangent: UInt64, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try GeneratedLaunch.graph(
            module.kernel(named: source.dualSenderBackward.entryName(scalar)), source.dualSenderBackward,
            csr: senders,
            addresses: [weight, 0, x2, weightTangent, 0, x2Tangent, dmid, dmidTangent, dx1, dx1Tangent], stream: stream)
    }
}
