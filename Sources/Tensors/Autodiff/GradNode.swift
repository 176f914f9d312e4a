// SwiftMACE, MIT licence.
// GradNode: one recorded op of the autodiff graph (its inputs and its backward rule), and how ops record it.

/// What a backward rule receives: the gradient of the loss with respect to the op's output,
/// the op's inputs and output (with their own nodes, so rules written in tensor ops are
/// themselves differentiable when the backward pass records), and which inputs need a gradient.
struct BackwardContext {
    let gradient: Tensor
    let inputs: [Tensor]
    let output: Tensor
    let needsGradient: [Bool]

    func needs(_ index: Int) -> Bool { needsGradient[index] }
}

/// A backward rule: gradients for each input (nil where not needed), each of that input's shape.
/// Only custom ops (`Tensor.custom`) throw; built-in rules never do.
typealias BackwardRule = @Sendable (BackwardContext) throws -> [Tensor?]

/// A node of the graph: a leaf (no inputs, no rule) or the op that produced a tensor.
/// Immutable once made; it keeps its output's storage alive so rules can reuse the value.
final class GradNode: Sendable {
    let inputs: [Tensor]
    let rule: BackwardRule?
    let buffer: Buffer
    let shape: [Int]
    let dtype: DType

    init(leafOf tensor: Tensor) {
        inputs = []
        rule = nil
        buffer = tensor.buffer
        shape = tensor.shape
        dtype = tensor.dtype
    }

    init(inputs: [Tensor], rule: @escaping BackwardRule, buffer: Buffer, shape: [Int], dtype: DType) {
        self.inputs = inputs
        self.rule = rule
        self.buffer = buffer
        self.shape = shape
        self.dtype = dtype
    }

    /// The output this node produced, carrying the node (no retain cycle: made on demand).
    var output: Tensor { Tensor(buffer: buffer, shape: shape, dtype: dtype, node: self) }
}

extension Tensor {
    /// Wraps a freshly computed buffer as a tensor, recording a node when gradients are being
    /// recorded and some input requires grad. Ops call this once per result.
    static func record(
        buffer: Buffer, shape: [Int], dtype: DType, inputs: [Tensor], force: Bool = false,
        rule: @escaping BackwardRule
    ) -> Tensor {
        // Cheap test first: tensors without history never read the task-local mode.
        guard inputs.contains(where: { $0.node != nil }), force || GradMode.isEnabled else {
            return Tensor(buffer: buffer, shape: shape, dtype: dtype)
        }
        let node = GradNode(inputs: inputs, rule: rule, buffer: buffer, shape: shape, dtype: dtype)
        return Tensor(buffer: buffer, shape: shape, dtype: dtype, node: node)
    }
}
