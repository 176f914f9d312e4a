// SwiftMACE, MIT licence.
// CPUExecutor: runs any EquivariantPolynomial with flat precompiled plans, channel loops over contiguous memory,
// gathers read through the index, scatter-adds in receiver-sorted order, and all cores (KERNELS.md §2.4, §2.7).

import Foundation

/// Evaluates any ``EquivariantPolynomial`` on the CPU, in Float64 or Float32, with the ``PolynomialExecutor``
/// contract of ``ReferenceExecutor``.
///
/// - Each polynomial is compiled once into a flat plan (cached process-wide by value).
/// - Uniform-1d polynomials (the conv, the symmetric contraction and all their derivatives) run with channel blocks
///   in the ir_mul layout internally (transposed once per call), coefficients grouped per channel row and scalar
///   operands folded per item (the conv's CG·Y is formed once per edge).
/// - `.indexed` inputs are read through the index (the gathered array never exists); an `.indexed` output is
///   produced row by row, each row owned by one thread summing its items in increasing item order, so a conv's
///   per-edge message never exists either and results do not depend on the thread count or input order.
/// - `.shared` outputs (gradients of shared weights) are summed over 64 fixed chunks, then in chunk order.
///
/// Tensors with autodiff: `evaluate(_:batchSize:inputs:indexing:)` taking `[Tensor]` (Tensor+Polynomial.swift).
public struct CPUExecutor: PolynomialExecutor {
    public init() {}

    public func evaluate(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [[Double]], indexing: OperandIndexing
    ) throws -> [[Double]] {
        try ReferenceExecutor.check(polynomial, batchSize: batchSize, inputs: inputs, indexing: indexing)
        let sizes = zip(polynomial.outputs, indexing.outputs).map { $0.size * $1.rowCount(batchSize: batchSize) }
        let inputPointers = inputs.map { values -> UnsafeMutablePointer<Double> in
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(values.count, 1))
            pointer.initialize(from: values, count: values.count)
            return pointer
        }
        defer { inputPointers.forEach { $0.deallocate() } }
        var outputs = sizes.map { [Double](repeating: 0, count: $0) }
        let outputPointers = sizes.map { size -> UnsafeMutablePointer<Double> in
            let pointer = UnsafeMutablePointer<Double>.allocate(capacity: max(size, 1))
            pointer.initialize(repeating: 0, count: size)
            return pointer
        }
        defer { outputPointers.forEach { $0.deallocate() } }
        run(polynomial, batchSize: batchSize, indexing: indexing, inputs: inputPointers.map { UnsafePointer($0) },
            outputs: outputPointers)
        for (n, pointer) in outputPointers.enumerated() {
            outputs[n] = Array(UnsafeBufferPointer(start: pointer, count: sizes[n]))
        }
        return outputs
    }

    /// Evaluates into zeroed `outputs`, after the sizes and indices were checked.
    func run<T: ChannelScalar>(
        _ polynomial: EquivariantPolynomial, batchSize: Int, indexing: OperandIndexing,
        inputs: [UnsafePointer<T>], outputs: [UnsafeMutablePointer<T>]
    ) {
        let plan = CPUPlanCache.shared.plan(for: polynomial)
        CPUKernels.run(plan, polynomial, batchSize: batchSize, indexing: indexing, inputs: inputs, outputs: outputs)
    }
}

/// Compiled plans by polynomial value, shared by all executors; bounded (cleared when full).
final class CPUPlanCache: @unchecked Sendable {
    static let shared = CPUPlanCache()
    private let lock = NSLock()
    private var plans: [EquivariantPolynomial: CPUPlan] = [:]

    func plan(for polynomial: EquivariantPolynomial) -> CPUPlan {
        if let plan = lock.withLock({ plans[polynomial] }) { return plan }
        let plan = CPUPlan(polynomial)
        lock.withLock {
            if plans.count >= 256 { plans.removeAll() }
            plans[polynomial] = plan
        }
        return plan
    }
}
