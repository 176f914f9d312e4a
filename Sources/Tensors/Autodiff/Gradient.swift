// SwiftMACE, MIT licence.
// The reverse-mode engine: grad(of:withRespectTo:...) with torch.autograd.grad semantics, and valueAndGradient.

/// Gradients of `outputs` with respect to `inputs`, as `torch.autograd.grad` computes them.
///
/// Each result has its input's shape and is Σ_k ⟨seed_k, ∂output_k/∂input⟩. With `createGraph`
/// the backward pass is itself recorded, so the results can be differentiated again (forces
/// from an energy, then a loss on forces differentiated with respect to weights).
/// - Parameters:
///   - outputs: tensors computed from `inputs` while gradients were recorded.
///   - inputs: tensors that require grad (leaves from `requiringGrad()` or intermediate results).
///   - seeds: one per output, of its shape and dtype; nil means ones, allowed only for one-element outputs.
///   - createGraph: record the backward ops for higher-order derivatives.
///   - allowUnused: return zeros for inputs the outputs do not depend on, instead of throwing.
/// - Throws: `TensorError.doesNotRequireGrad`, `.unusedInput`, `.seedRequired`, `.shapeMismatch`
///   (seed shape or dtype differs from its output's), and what the backward of a custom op throws.
public func grad(
    of outputs: [Tensor], withRespectTo inputs: [Tensor], seeds: [Tensor]? = nil,
    createGraph: Bool = false, allowUnused: Bool = false
) throws -> [Tensor] {
    for (index, input) in inputs.enumerated() where input.node == nil {
        throw TensorError.doesNotRequireGrad(inputIndex: index)
    }
    let seeds = try resolvedSeeds(seeds, for: outputs)
    let engine = BackwardEngine(outputs: outputs, inputs: inputs)
    let gradients = createGraph
        ? try withGradient { try engine.run(seeds: seeds) }
        : try withoutGradient { try engine.run(seeds: seeds) }
    return try inputs.enumerated().map { index, input in
        guard let gradient = gradients[ObjectIdentifier(input.node!)] else {
            guard allowUnused else { throw TensorError.unusedInput(inputIndex: index) }
            return Tensor.zeros(like: input)
        }
        return createGraph ? gradient : gradient.detached()
    }
}

/// Gradients of one output; see `grad(of:withRespectTo:seeds:createGraph:allowUnused:)`.
public func grad(
    of output: Tensor, withRespectTo inputs: [Tensor], seed: Tensor? = nil,
    createGraph: Bool = false, allowUnused: Bool = false
) throws -> [Tensor] {
    try grad(of: [output], withRespectTo: inputs, seeds: seed.map { [$0] },
             createGraph: createGraph, allowUnused: allowUnused)
}

/// The value of a scalar function and its gradient with respect to each argument.
///
/// ```swift
/// let (energy, gradients) = try valueAndGradient(of: { x in (x[0] * x[0]).sum() }, at: [positions])
/// ```
/// Arguments that already require grad get an identity node, so calls nest: with `createGraph`
/// the returned gradients can be differentiated by an outer `grad`.
/// - Returns: the value (detached unless `createGraph`) and one gradient per argument, zeros
///   for arguments the value does not depend on.
/// - Throws: `TensorError.seedRequired` when `f` does not return a one-element tensor, and what `f` throws.
public func valueAndGradient(
    of f: ([Tensor]) throws -> Tensor, at arguments: [Tensor], createGraph: Bool = false
) throws -> (value: Tensor, gradients: [Tensor]) {
    try withGradient {
        let variables = arguments.map { $0.requiringGrad() }
        let value = try f(variables)
        let gradients = try grad(of: value, withRespectTo: variables, createGraph: createGraph, allowUnused: true)
        return (createGraph ? value : value.detached(), gradients)
    }
}

private func resolvedSeeds(_ seeds: [Tensor]?, for outputs: [Tensor]) throws -> [Tensor] {
    guard let seeds else {
        return try outputs.map { output in
            guard output.elementCount == 1 else { throw TensorError.seedRequired(outputShape: output.shape) }
            return Tensor.ones(like: output)
        }
    }
    guard seeds.count == outputs.count else {
        throw TensorError.shapeMismatch("grad: seeds list", found: [seeds.count], expected: [outputs.count])
    }
    for (index, (seed, output)) in zip(seeds, outputs).enumerated() {
        guard seed.shape == output.shape else {
            throw TensorError.shapeMismatch("grad: seed \(index)", found: seed.shape, expected: output.shape)
        }
        guard seed.dtype == output.dtype else {
            throw TensorError.unsupported("grad: seed \(index) has dtype \(seed.dtype); expected \(output.dtype)")
        }
    }
    return seeds
}

/// One backward pass over the graph between some outputs and some inputs.
private struct BackwardEngine {
    let outputs: [Tensor]
    /// Nodes reachable from the outputs, inputs before the ops that use them.
    let order: [GradNode]
    /// Nodes on a path to some requested input; only these receive gradients.
    let relevant: Set<ObjectIdentifier>
    let targets: Set<ObjectIdentifier>

    init(outputs: [Tensor], inputs: [Tensor]) {
        self.outputs = outputs
        let targets = Set(inputs.compactMap { $0.node.map(ObjectIdentifier.init) })
        var order: [GradNode] = []
        var visited = Set<ObjectIdentifier>()
        // Iterative depth-first post-order: graphs can be deeper than the stack.
        var stack: [(node: GradNode, next: Int)] = []
        for root in outputs.compactMap(\.node) where visited.insert(ObjectIdentifier(root)).inserted {
            stack.append((root, 0))
            while let (node, next) = stack.last {
                if next < node.inputs.count {
                    stack[stack.count - 1].next += 1
                    if let child = node.inputs[next].node, visited.insert(ObjectIdentifier(child)).inserted {
                        stack.append((child, 0))
                    }
                } else {
                    order.append(node)
                    stack.removeLast()
                }
            }
        }
        var relevant = Set<ObjectIdentifier>()
        for node in order {
            let id = ObjectIdentifier(node)
            if targets.contains(id) || node.inputs.contains(where: { $0.node.map { relevant.contains(ObjectIdentifier($0)) } ?? false }) {
                relevant.insert(id)
            }
        }
        self.order = order
        self.relevant = relevant
        self.targets = targets
    }

    /// Accumulated gradients keyed by node; intermediate entries are dropped once propagated.
    func run(seeds: [Tensor]) throws -> [ObjectIdentifier: Tensor] {
        var gradients: [ObjectIdentifier: Tensor] = [:]
        func accumulate(_ gradient: Tensor, into node: GradNode) {
            let id = ObjectIdentifier(node)
            precondition(gradient.shape == node.shape,
                         "autodiff: gradient of shape \(gradient.shape) for a tensor of shape \(node.shape)")
            gradients[id] = gradients[id].map { $0 + gradient } ?? gradient
        }
        for (output, seed) in zip(outputs, seeds) {
            if let node = output.node, relevant.contains(ObjectIdentifier(node)) { accumulate(seed, into: node) }
        }
        for node in order.reversed() {
            guard let rule = node.rule, let gradient = gradients[ObjectIdentifier(node)] else { continue }
            let needs = node.inputs.map { $0.node.map { relevant.contains(ObjectIdentifier($0)) } ?? false }
            guard needs.contains(true) else { continue }
            let results = try rule(BackwardContext(gradient: gradient, inputs: node.inputs, output: node.output,
                                               needsGradient: needs))
            for (index, result) in results.enumerated() where needs[index] {
                if let result, let inputNode = node.inputs[index].node { accumulate(result, into: inputNode) }
            }
            // A non-target's gradient is complete once propagated: free it early.
            if !targets.contains(ObjectIdentifier(node)) { gradients[ObjectIdentifier(node)] = nil }
        }
        return gradients
    }
}
