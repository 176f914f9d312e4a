// SwiftMACE, MIT licence.
// SymmetricContractionKernels: the generated monomial-form contraction kernels compiled and loaded, with typed
// launches.

import CUDA
import Equivariance

/// The symmetric contraction forward and input gradient on the GPU for one polynomial
/// (``SymmetricContractionDescriptor/polynomial``). Features in ir_mul, `[nodes, size]`; `coefficients` is the
/// plan's table (``MonomialContraction/coefficientTable(weights:elementCount:)``) in the kernel's scalar type.
public final class SymmetricContractionKernels: @unchecked Sendable {
    public let source: SymmetricContractionKernelSource
    let module: CUDAModule

    public init(context: CUDAContext, cache: KernelCache, polynomial: EquivariantPolynomial) throws {
        source = try SymmetricContractionKernelSource(polynomial: polynomial)
        module = try context.loadModule(KernelSource(name: "symmetric_contraction.cu", code: source.code), cache: cache)
    }

    /// `out[n] = B(x[n])` with the coefficients of `elements[n]` (int32 per node).
    public func forward(
        nodes: Int, elements: DeviceBuffer, coefficients: DeviceBuffer, x: DeviceBuffer, out: DeviceBuffer,
        scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try launch(source.forward, nodes: nodes, scalar: scalar, stream: stream,
                   [.buffer(elements), .buffer(coefficients), .buffer(x), .buffer(out)])
    }

    /// `dx[n] = (∂B/∂x)ᵀ dout[n]`.
    public func backward(
        nodes: Int, elements: DeviceBuffer, coefficients: DeviceBuffer, x: DeviceBuffer, dout: DeviceBuffer,
        dx: DeviceBuffer, scalar: KernelScalar, stream: CUDAStream
    ) throws {
        try launch(source.backward, nodes: nodes, scalar: scalar, stream: stream,
                   [.buffer(elements), .buffer(coefficients), .buffer(x), .buffer(dout), .buffer(dx)])
    }

    private func launch(
        _ generated: GeneratedKernel, nodes: Int, scalar: KernelScalar, stream: CUDAStream,
        _ arguments: [KernelArgument]
    ) throws {
        guard nodes > 0 else { return }
        guard nodes < Int(Int32.max) else {
            throw CUDAError.invalidArgument("\(generated.name): \(nodes) nodes; expected fewer than 2^31")
        }
        try module.kernel(named: generated.entryName(scalar)).launch(
            grid: (generated.blockCount(rows: nodes), 1, 1), block: (generated.channelThreads, generated.rowsPerBlock, 1),
            stream: stream, arguments: [.int32(Int32(nodes))] + arguments)
    }
}
