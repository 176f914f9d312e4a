// SwiftMACE, MIT licence.
// EquivariantPolynomial as a differentiable Tensor op on the CPUExecutor: the backward evaluates the polynomial's
// backward rewrite through the same op, so forces (backward) and force training (double backward) come free.

import Tensors

extension CPUExecutor {
    /// Evaluates `polynomial` on tensors, recording a differentiable op.
    ///
    /// A linear polynomial (`uv·u -> v` with scaled-identity paths, shared weight, batched features: e3nn's
    /// Linear) runs as one Tensors matmul per path, differentiated by the matmul rules; so does a `uvw·u·v -> w`
    /// product with a one-component invariant second input (e3nn's FullyConnectedTensorProduct with `n x 0e`,
    /// mace's skip_tp) as `(x ⊗ a) · W`. Otherwise the
    /// backward of the op is `polynomial.backward(withRespectTo:)` for the inputs that need a gradient, run
    /// with `indexing.backward(withRespectTo:)` through this same function (so it is differentiable again), with
    /// terms pruned whose output cotangent did not arrive; inputs that need no gradient get none.
    /// - Parameters:
    ///   - batchSize: the number of items (edges for the conv, nodes for the symmetric contraction).
    ///   - inputs: one tensor per polynomial input, shape `[rows, input.size]` with
    ///     `rows = indexing.inputs[n].rowCount(batchSize:)`, mul_ir; all `.float64` or all `.float32` (the
    ///     computation runs in that type).
    ///   - indexing: how items map to rows of each input and output (e.g. the conv's
    ///     `.indexed(sender, rows: numNodes)` for `x1` and `.indexed(receiver, rows: numNodes)` for `mid`).
    /// - Returns: one tensor per output, `[rows, output.size]`.
    /// - Throws: `EquivarianceError.shapeMismatch` for a tensor of the wrong shape or dtype, a bad index or batch
    ///   size (the same checks as ``ReferenceExecutor``).
    public func evaluate(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [Tensor], indexing: OperandIndexing
    ) throws -> [Tensor] {
        try check(polynomial, batchSize: batchSize, inputs: inputs, indexing: indexing)
        if let linear = SharedLinear(polynomial, indexing) {
            return [try linear.apply(weight: inputs[0], x: inputs[1])]
        }
        if let bilinear = SharedBilinear(polynomial, indexing) {
            return [try bilinear.apply(weight: inputs[0], x: inputs[1], invariants: inputs[2])]
        }
        return try Tensor.custom(
            name: polynomial.name, inputs: inputs,
            forward: { values in try forward(polynomial, batchSize: batchSize, inputs: values, indexing: indexing) },
            backward: { values, cotangents, needs in
                try backward(polynomial, batchSize: batchSize, inputs: values, indexing: indexing,
                             cotangents: cotangents, needs: needs)
            })
    }

    private func check(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [Tensor], indexing: OperandIndexing
    ) throws {
        let dtype = inputs.first?.dtype ?? .float64
        for (n, tensor) in inputs.enumerated() {
            guard tensor.dtype == dtype, dtype == .float64 || dtype == .float32 else {
                throw EquivarianceError.shapeMismatch(
                    "'\(polynomial.name)' input \(n) has dtype \(tensor.dtype); expected float64 or float32, the same "
                        + "for every input")
            }
        }
        // Sizes and indices as the reference executor checks them, then the tensor shapes.
        try ReferenceExecutor.check(
            polynomial, batchSize: batchSize, inputCounts: inputs.map(\.elementCount), indexing: indexing)
        for (n, (tensor, operand)) in zip(inputs, polynomial.inputs).enumerated() {
            let rows = indexing.inputs[n].rowCount(batchSize: batchSize)
            guard tensor.shape == [rows, operand.size] else {
                throw EquivarianceError.shapeMismatch(
                    "'\(polynomial.name)' input \(n) ('\(operand.name)') has shape \(tensor.shape); expected "
                        + "\([rows, operand.size])")
            }
        }
    }

    private func forward(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [Tensor], indexing: OperandIndexing
    ) throws -> [Tensor] {
        if inputs.first?.dtype == .float32 {
            return run(Float.self, polynomial, batchSize: batchSize, inputs: inputs, indexing: indexing)
        }
        return run(Double.self, polynomial, batchSize: batchSize, inputs: inputs, indexing: indexing)
    }

    private func run<T: ChannelScalar>(
        _: T.Type, _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [Tensor], indexing: OperandIndexing
    ) -> [Tensor] {
        // Read pointers stay valid while `inputs` holds the storage (tensors are immutable).
        let pointers = inputs.map { tensor in tensor.withUnsafeBufferPointer(as: T.self) { $0.baseAddress } }
        var outputPointers: [UnsafeMutablePointer<T>] = []
        var outputs: [Tensor] = []
        for (operand, rule) in zip(polynomial.outputs, indexing.outputs) {
            outputs.append(
                Tensor.zeroed(shape: [rule.rowCount(batchSize: batchSize), operand.size], as: T.self) { buffer in
                    outputPointers.append(buffer.baseAddress ?? .allocate(capacity: 0))
                })
        }
        let fallback = UnsafeMutablePointer<T>.allocate(capacity: 1)
        defer { fallback.deallocate() }
        withExtendedLifetime((inputs, outputs)) {
            run(polynomial, batchSize: batchSize, indexing: indexing,
                inputs: pointers.map { $0 ?? UnsafePointer(fallback) }, outputs: outputPointers)
        }
        return outputs
    }

    private func backward(
        _ polynomial: EquivariantPolynomial, batchSize: Int, inputs: [Tensor], indexing: OperandIndexing,
        cotangents: [Tensor?], needs: [Bool]
    ) throws -> [Tensor?] {
        let wrt = needs.indices.filter { needs[$0] }
        let present = cotangents.indices.filter { cotangents[$0] != nil }
        guard !wrt.isEmpty, !present.isEmpty else { return inputs.map { _ in nil } }
        let pruned = try BackwardPolynomialCache.shared.pruned(polynomial, wrt: wrt, present: present)
        var prunedIndexing = indexing.backward(withRespectTo: wrt)
        prunedIndexing.inputs = Array(prunedIndexing.inputs.prefix(inputs.count)) + present.map { indexing.outputs[$0] }
        let gradients = try evaluate(
            pruned, batchSize: batchSize, inputs: inputs + present.compactMap { cotangents[$0] },
            indexing: prunedIndexing)
        var result = [Tensor?](repeating: nil, count: inputs.count)
        for (j, input) in wrt.enumerated() where pruned.terms.contains(where: { $0.output == j }) {
            result[input] = gradients[j]
        }
        return result
    }
}

extension EquivariantPolynomial {
    /// The polynomial restricted to the inputs `kept` (in that order): terms reading any other input are dropped
    /// (their factor is taken as absent, i.e. zero) and the remaining terms renumbered.
    func keepingInputs(_ kept: [Int]) -> EquivariantPolynomial {
        var position: [Int: Int] = [:]
        for (new, old) in kept.enumerated() { position[old] = new }
        let terms = terms.compactMap { term -> PolynomialTerm? in
            let factors = term.inputs.compactMap { position[$0] }
            guard factors.count == term.inputs.count else { return nil }
            return PolynomialTerm(inputs: factors, output: term.output, modes: term.modes, paths: term.paths)
        }
        return EquivariantPolynomial(unchecked: name, inputs: kept.map { inputs[$0] }, outputs: outputs, terms: terms)
    }
}
