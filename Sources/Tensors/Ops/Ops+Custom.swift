// SwiftMACE, MIT licence.
// Extension points for kernels that live above this layer (Equivariance executors): custom differentiable ops in
// the manner of torch.autograd.Function, and tensors whose storage a caller fills in place.

extension Tensor {
    /// The backward of a custom op: gradients of the loss with respect to the op's inputs.
    ///
    /// Called with the op's inputs (carrying their autodiff nodes), one cotangent per output (nil for outputs that
    /// no gradient reached) and, per input, whether a gradient is needed. Returns one entry per input, of that
    /// input's shape and dtype, or nil (no contribution). Written in tensor ops or further custom ops, so with
    /// `createGraph: true` it is recorded and can be differentiated again.
    package typealias CustomBackward =
        @Sendable (_ inputs: [Tensor], _ cotangents: [Tensor?], _ needsGradient: [Bool]) throws -> [Tensor?]

    /// A differentiable op computed by arbitrary code.
    ///
    /// `forward` runs with recording off on detached copies of `inputs` and returns the outputs (plain tensors,
    /// e.g. made with ``zeroed(shape:as:_:)``). When recording is on and some input requires grad, each output
    /// gets a node whose rule calls `backward` with that output's cotangent (the others nil), so gradients of
    /// several outputs are summed by the engine. Outputs are not passed to `backward`: a rule that needs them
    /// recomputes them from the inputs, which keeps higher derivatives exact.
    ///
    /// ```swift
    /// let y = try Tensor.custom(name: "cube", inputs: [x], forward: { [$0[0] * $0[0] * $0[0]] }) { inputs, g, _ in
    ///     [g[0].map { $0 * 3 * inputs[0] * inputs[0] }]
    /// }[0]
    /// ```
    /// - Parameter name: names the op in error messages.
    /// - Throws: what `forward` throws; from `grad`, what `backward` throws, and `TensorError.shapeMismatch` when
    ///   `backward` returns a gradient whose shape is not its input's.
    package static func custom(
        name: String, inputs: [Tensor], forward: ([Tensor]) throws -> [Tensor], backward: @escaping CustomBackward
    ) throws -> [Tensor] {
        let outputs = try withoutGradient { try forward(inputs.map { $0.detached() }) }
        guard inputs.contains(where: { $0.node != nil }), GradMode.isEnabled else { return outputs }
        let count = outputs.count
        return outputs.enumerated().map { index, output in
            record(buffer: output.buffer, shape: output.shape, dtype: output.dtype, inputs: inputs) { context in
                var cotangents = [Tensor?](repeating: nil, count: count)
                cotangents[index] = context.gradient
                let gradients = try backward(context.inputs, cotangents, context.needsGradient)
                guard gradients.count == context.inputs.count else {
                    throw TensorError.shapeMismatch("\(name): backward result list", found: [gradients.count],
                                                    expected: [context.inputs.count])
                }
                for (position, (gradient, input)) in zip(gradients, context.inputs).enumerated() {
                    if let gradient, gradient.shape != input.shape || gradient.dtype != input.dtype {
                        throw TensorError.shapeMismatch(
                            "\(name): gradient \(position) (\(gradient.dtype))", found: gradient.shape,
                            expected: input.shape)
                    }
                }
                return gradients
            }
        }
    }

    /// A tensor of `shape` whose zero-initialised storage `fill` writes in place (no copy).
    /// - Parameter type: `Double` (float64), `Float` (float32) or `Int32` (int32).
    /// - Precondition: `type` is one of those; `shape` has no negative dimension.
    package static func zeroed<T>(
        shape: [Int], as type: T.Type, _ fill: (UnsafeMutableBufferPointer<T>) throws -> Void
    ) rethrows -> Tensor {
        let dtype: DType? = T.self == Double.self ? .float64 : T.self == Float.self ? .float32
            : T.self == Int32.self ? .int32 : nil
        guard let dtype else { preconditionFailure("Tensor.zeroed: element type \(T.self) has no dtype") }
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor.zeroed: negative dimension in \(shape)")
        let count = Shape.elementCount(shape)
        let buffer = Buffer.zeroed(byteCount: count * dtype.byteSize)
        try fill(UnsafeMutableBufferPointer(start: buffer.typed(T.self), count: count))
        return Tensor(buffer: buffer, shape: shape, dtype: dtype)
    }
}
