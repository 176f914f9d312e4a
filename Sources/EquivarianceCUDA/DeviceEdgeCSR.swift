// SwiftMACE, MIT licence.
// DeviceEdgeCSR: an EdgeCSR uploaded for the generated graph kernels (three int32 arrays on the device).

import CUDA
import Equivariance

/// The device copy of an ``EdgeCSR``.
public struct DeviceEdgeCSR: Sendable {
    public let csr: EdgeCSR
    let rowOffsets: DeviceBuffer
    let edgeIDs: DeviceBuffer
    let gatherRows: DeviceBuffer

    public init(context: CUDAContext, csr: EdgeCSR, stream: CUDAStream) throws {
        self.csr = csr
        rowOffsets = try DeviceBuffer(context: context, copying: csr.rowOffsets, stream: stream)
        // A graph without edges still gets valid (one-element) buffers to pass.
        edgeIDs = try DeviceBuffer(context: context, copying: csr.edgeIDs.isEmpty ? [0] : csr.edgeIDs, stream: stream)
        gatherRows = try DeviceBuffer(
            context: context, copying: csr.gatherRows.isEmpty ? [0] : csr.gatherRows, stream: stream)
    }

    /// The kernel arguments `(int rows, const int* row_offsets, const int* edge_ids, const int* gather_rows)` every
    /// graph kernel starts with, for kernels written outside this module.
    public var arguments: [KernelArgument] {
        [.int32(Int32(csr.rowCount)), .buffer(rowOffsets), .buffer(edgeIDs), .buffer(gatherRows)]
    }
}

/// Launches of generated kernels with their generated launch shape.
enum GeneratedLaunch {
    /// A graph kernel (``GraphKernelGenerator``) over `csr`'s rows; `operands` are the polynomial's inputs, then
    /// outputs (nil for an input the kernel does not read).
    static func graph(
        _ kernel: CUDAKernel, _ generated: GeneratedKernel, csr: DeviceEdgeCSR, operands: [DeviceBuffer?],
        stream: CUDAStream
    ) throws {
        try graph(kernel, generated, csr: csr, addresses: operands.map { $0?.address ?? 0 }, stream: stream)
    }

    /// The same with operands given by device address (0 for an input the kernel does not read), so a caller can
    /// pass a row range of a larger buffer.
    static func graph(
        _ kernel: CUDAKernel, _ generated: GeneratedKernel, csr: DeviceEdgeCSR, addresses: [UInt64],
        stream: CUDAStream
    ) throws {
        guard csr.csr.rowCount > 0 else { return }
        let arguments = csr.arguments + addresses.map { KernelArgument.pointer($0) }
        try kernel.launch(
            grid: (generated.blockCount(rows: csr.csr.rowCount), 1, 1),
            block: (generated.channelThreads, generated.rowsPerBlock, 1), stream: stream, arguments: arguments)
    }
}
