// SwiftMACE, MIT licence.
// Host ↔ device copies of float64 data in a kernel's scalar type, NaN-poisoned output buffers, and the relative
// error the checks compare with.

import CUDA
import Foundation
import Equivariance

/// Copies between `[Double]` and device buffers of a ``KernelScalar``.
struct ScalarBuffers {
    let context: CUDAContext
    let stream: CUDAStream

    func upload(_ values: [Double], _ scalar: KernelScalar) throws -> DeviceBuffer {
        let padded = values.isEmpty ? [0] : values
        switch scalar {
        case .float32: return try DeviceBuffer(context: context, copying: padded.map { Float($0) }, stream: stream)
        case .float64: return try DeviceBuffer(context: context, copying: padded, stream: stream)
        }
    }

    func download(_ buffer: DeviceBuffer, count: Int, _ scalar: KernelScalar) throws -> [Double] {
        switch scalar {
        case .float32: try buffer.toArray(of: Float.self, count: count, stream: stream).map(Double.init)
        case .float64: try buffer.toArray(of: Double.self, count: count, stream: stream)
        }
    }

    /// `count` elements of NaN (0xFF bytes), so an element the kernel fails to write fails the comparison.
    func poisoned(count: Int, _ scalar: KernelScalar) throws -> DeviceBuffer {
        let buffer = try DeviceBuffer(context: context, byteCount: max(count, 1) * scalar.byteSize, stream: stream)
        try buffer.fill(byte: 0xFF, stream: stream)
        return buffer
    }
}

enum KernelCheckMath {
    static func bound(_ scalar: KernelScalar) -> Double { scalar == .float32 ? 1e-5 : 1e-12 }

    /// `"name error, name error, …"`.
    static func listing(_ names: [String], _ errors: [Double]) -> String {
        zip(names, errors).map { "\($0) \(SelftestMath.scientific($1))" }.joined(separator: ", ")
    }

    /// Whether two runs gave bitwise the same outputs.
    static func identical(_ first: [[Double]], _ second: [[Double]]) -> Bool {
        first.count == second.count
            && zip(first, second).allSatisfy { a, b in
                a.count == b.count && zip(a, b).allSatisfy { $0.bitPattern == $1.bitPattern }
            }
    }
}
