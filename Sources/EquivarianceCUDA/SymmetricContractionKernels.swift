// SwiftMACE, MIT licence.
// SymmetricContractionKernels: the generated monomial-form contraction kernels compiled and loaded, with typed
// launches: forward, d/dx, and the dual (reverse-over-forward training) kernels on device addresses.

import CUDA
import Equivariance

/// The symmetric contraction forward, input gradient and dual kernels on the GPU for one polynomial
/// (``SymmetricContractionDescriptor/polynomial``). Features in ir_mul, `[nodes, size]`; `coefficients` is the
/// plan's table (``MonomialContraction/coefficientTable(weights:elementCount:)``) in the kernel's scalar type;
/// `elements` int32 per node. The dual kernels take device addresses, so values and tangents can be the two row
/// blocks of one stacked buffer (see ``SymmetricContractionKernelSource`` for what each computes).
public final class SymmetricContractionKernels: @unchecked Sendable {
    public let source: SymmetricContractionKernelSource
    let module: CUDAModule
    /// The 16-bit type float32 ``forward(nodes:elements:coefficients:x:out:scalar:stream:)`` and
    /// ``backward(nodes:elements:coefficients:x:dout:dx:scalar:stream:)`` keep `x` (and the forward's `out`) in, and
    /// the module of those variants (``SymmetricContractionKernelSource/halfCode``); nil: float32.
    public let featureStorage: HalfStorage?
    let halfModule: CUDAModule?

    public init(
        context: CUDAContext, cache: KernelCache, polynomial: EquivariantPolynomial,
        featureStorage: HalfStorage? = nil
    ) throws {
        source = try SymmetricContractionKernelSource(polynomial: polynomial)
        module = try context.loadModule(KernelSource(name: "symmetric_contraction.cu", code: source.code), cache: cache)
        self.featureStorage = featureStorage
        halfModule = featureStorage == nil
            ? nil
            : try context.loadModule(
                KernelSource(name: "symmetric_contraction_half.cu", code: source.halfCode), cache: cache)
    }

    /// `out[n] = B(x[n])` with the coefficients of `elements[n]` (int32 per node).
    public func forward(
        nodes: Int, elements: DeviceBuffer, coefficients: DeviceBuffer, x: DeviceBuffer, out: DeviceBuffer,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try launch(source.forward, half: source.halfForward, nodes: nodes, scalar: scalar, stream: stream,
                   [.buffer(elements), .buffer(coefficients), .buffer(x), .buffer(out)])
    }

    /// `dx[n] = (∂B/∂x)ᵀ dout[n]`.
    public func backward(
        nodes: Int, elements: DeviceBuffer, coefficients: DeviceBuffer, x: DeviceBuffer, dout: DeviceBuffer,
        dx: DeviceBuffer, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try launch(source.backward, half: source.halfBackward, nodes: nodes, scalar: scalar, stream: stream,
                   [.buffer(elements), .buffer(coefficients), .buffer(x), .buffer(dout), .buffer(dx)])
    }

    /// `out = B(x)`, `outTangent = J(x)·xTangent`.
    public func dualForward(
        nodes: Int, elements: UInt64, coefficients: UInt64, x: UInt64, xTangent: UInt64, out: UInt64,
        outTangent: UInt64, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try launch(source.dualForward, nodes: nodes, scalar: scalar, stream: stream,
                   [elements, coefficients, x, xTangent, out, outTangent].map { .pointer($0) })
    }

    /// With Ā = `dout`, Ǡ = `doutTangent`: `dx = J(x)ᵀĀ + (∂(J(x)ẋ)/∂x)ᵀǠ`, `dxTangent = J(x)ᵀǠ` (ẋ = `xTangent`).
    public func dualBackward(
        nodes: Int, elements: UInt64, coefficients: UInt64, x: UInt64, xTangent: UInt64, dout: UInt64,
        doutTangent: UInt64, dx: UInt64, dxTangent: UInt64, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try launch(source.dualBackward, nodes: nodes, scalar: scalar, stream: stream,
                   [elements, coefficients, x, xTangent, dout, doutTangent, dx, dxTangent].map { .pointer($0) })
    }

    /// Per node, `gradient[n, j, u]` `[nodes, source.plan.weightColumns.count, C]`: the derivative of
    /// `⟨dout, B⟩ + ⟨doutTangent, J(x)·xTangent⟩` by weight column j (``MonomialContraction/weightColumns``) of the
    /// node's element, channel u. Needs no coefficients or elements: sum the rows of each element's nodes to get
    /// the gradient of its weights `[K·C]` per input.
    public func dualWeightGradient(
        nodes: Int, x: UInt64, xTangent: UInt64, dout: UInt64, doutTangent: UInt64, gradient: UInt64,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try launch(source.dualWeightGradient, nodes: nodes, scalar: scalar, stream: stream,
                   [x, xTangent, dout, doutTangent, gradient].map { .pointer($0) })
    }

    /// Launches `generated`, or its 16-bit feature variant `half` for a float32 launch with a ``featureStorage``.
    private func launch(
        _ generated: GeneratedKernel, half: GeneratedKernel? = nil, nodes: Int, scalar: KernelScalar,
        stream: CUDAStream, _ arguments: [KernelArgument]
    ) throws {
        guard nodes > 0 else { return }
        guard nodes < Int(Int32.max) else {
            throw CUDAError.invalidArgument("\(generated.name): \(nodes) nodes; expected fewer than 2^31")
        }
        let kernel = if scalar == .float32, let half, let featureStorage, let halfModule {
            try halfModule.kernel(named: half.entryName(scalar, storage: featureStorage))
        } else {
            try module.kernel(named: generated.entryName(scalar))
        }
        try kernel.launch(
            grid: (generated.blockCount(rows: nodes), 1, 1), block: (generated.channelThreads, generated.rowsPerBlock, 1),
            stream: stream, arguments: [.int32(Int32(nodes))] + arguments)
    }
}
