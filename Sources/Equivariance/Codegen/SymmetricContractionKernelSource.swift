// SwiftMACE, MIT licence.
// SymmetricContractionKernelSource: generated per-node kernels of the symmetric contraction in monomial form
// (KERNELS.md §2.7): thread = channel, element-specific coefficients read from global memory (L2), monomials built
// as parent × x in straight-line code; the backward (d/dx) walks the same tree in reverse.

/// The forward and input-gradient kernels of a ``SymmetricContractionDescriptor`` polynomial.
///
/// Both take `(int nodes, const int* elements, const T* coefficients, const T* x, …)`, block `(channelThreads,
/// rowsPerBlock)`, one node per y-thread: ``forward`` writes `out = B` `[nodes, B.size]`; ``backward`` reads
/// `dout` `[nodes, B.size]` and writes `dx` `[nodes, x.size]`. Features are in ir_mul; `coefficients` is
/// ``MonomialContraction/coefficientTable(weights:elementCount:)`` `[elements, slots, C]`. The gradient with
/// respect to the weights is not generated yet (training).
public struct SymmetricContractionKernelSource: Sendable {
    public let plan: MonomialContraction
    public let forward: GeneratedKernel
    public let backward: GeneratedKernel
    /// The module: prelude and both kernels.
    public let code: String

    /// - Throws: `EquivarianceError.unsupported` when the polynomial is not in the form ``MonomialContraction``
    ///   takes.
    public init(polynomial: EquivariantPolynomial, prefix: String = "contraction") throws {
        let plan = try MonomialContraction(polynomial)
        self.plan = plan
        let writer = MonomialCodeWriter(plan: plan)
        forward = writer.kernel(name: prefix + "_forward", backward: false)
        backward = writer.kernel(name: prefix + "_backward", backward: true)
        code = GeneratedModule.source([forward, backward])
    }
}

/// Emits the straight-line code of a ``MonomialContraction`` by walking its monomial tree.
private struct MonomialCodeWriter {
    let plan: MonomialContraction
    /// Children of each monomial, and the roots (degree 1).
    let children: [[Int]]
    let roots: [Int]
    let parent: [Int?]
    let slotsOf: [[Int]]

    init(plan: MonomialContraction) {
        self.plan = plan
        let index = Dictionary(uniqueKeysWithValues: plan.monomials.enumerated().map { ($0.element, $0.offset) })
        var children = [[Int]](repeating: [], count: plan.monomials.count)
        var parent = [Int?](repeating: nil, count: plan.monomials.count)
        var roots: [Int] = []
        for (m, monomial) in plan.monomials.enumerated() {
            if monomial.count == 1 {
                roots.append(m)
            } else if let p = index[Array(monomial.dropLast())] {
                children[p].append(m)
                parent[m] = p
            }
        }
        var slotsOf = [[Int]](repeating: [], count: plan.monomials.count)
        for (s, slot) in plan.slots.enumerated() { slotsOf[slot.monomial].append(s) }
        self.children = children
        self.roots = roots
        self.parent = parent
        self.slotsOf = slotsOf
    }

    var channelThreads: Int { max(32, (plan.channels + 31) / 32 * 32) }

    private func value(_ m: Int) -> String {
        plan.monomials[m].count == 1 ? "x\(plan.monomials[m][0])" : "m\(m)"
    }

    private func gradient(_ m: Int) -> String {
        plan.monomials[m].count == 1 ? "gx\(plan.monomials[m][0])" : "g\(m)"
    }

    /// `m = parent · x_last`, for monomials of degree ≥ 2.
    private func definition(_ m: Int) -> String? {
        guard let p = parent[m], let last = plan.monomials[m].last else { return nil }
        return "const T m\(m) = \(value(p)) * x\(last);"
    }

    private func forwardLines(_ m: Int) -> [String] {
        var lines = definition(m).map { [$0] } ?? []
        for s in slotsOf[m] { lines.append("b\(plan.slots[s].output) += cf[\(s) * C] * \(value(m));") }
        return lines + children[m].flatMap(forwardLines)
    }

    /// Post-order: a monomial's gradient is complete once its children have added theirs, then it flows to its
    /// parent (× x_last) and to x_last (× parent).
    private func backwardLines(_ m: Int) -> [String] {
        var lines: [String] = []
        if !children[m].isEmpty, let definition = definition(m) { lines.append(definition) }
        let seed = slotsOf[m].map { "cf[\($0) * C] * d\(plan.slots[$0].output)" }
        if plan.monomials[m].count == 1 {
            if !seed.isEmpty { lines.append("\(gradient(m)) += \(seed.joined(separator: " + "));") }
        } else {
            lines.append("T \(gradient(m)) = \(seed.isEmpty ? "T(0)" : seed.joined(separator: " + "));")
        }
        lines += children[m].flatMap(backwardLines)
        if let p = parent[m], let last = plan.monomials[m].last {
            lines.append("\(gradient(p)) += \(gradient(m)) * x\(last);")
            lines.append("gx\(last) += \(gradient(m)) * \(value(p));")
        }
        return lines
    }

    func kernel(name: String, backward: Bool) -> GeneratedKernel {
        let rowsPerBlock = max(1, 256 / channelThreads)
        let inputSize = plan.inputComponents * plan.channels
        let outputSize = plan.outputComponents * plan.channels
        var parameters: [(type: String, name: String)] = [
            ("int", "nodes"), ("const int* __restrict__", "elements"), ("const T* __restrict__", "coefficients"),
            ("const T* __restrict__", "x"),
        ]
        parameters += backward ? [("const T* __restrict__", "dout"), ("T* __restrict__", "dx")]
            : [("T* __restrict__", "out")]
        let used = Set(plan.monomials.flatMap { $0 })
        var lines = [
            "constexpr int C = \(plan.channels);", "const int u = threadIdx.x;",
            plan.channels == channelThreads ? "constexpr bool active = true;" : "const bool active = u < C;",
            "const int uc = active ? u : 0;", "const int node = blockIdx.x * blockDim.y + threadIdx.y;",
            "if (node >= nodes) return;",
            "const T* __restrict__ cf = coefficients + (size_t)elements[node] * \(plan.slots.count * plan.channels) + uc;",
            "const T* __restrict__ xn = x + (size_t)node * \(inputSize) + uc;",
        ]
        lines += used.sorted().map { "const T x\($0) = xn[\($0) * C];" }
        if backward {
            let outputs = Set(plan.slots.map(\.output)).sorted()
            lines.append("const T* __restrict__ dn = dout + (size_t)node * \(outputSize) + uc;")
            lines += outputs.map { "const T d\($0) = dn[\($0) * C];" }
            lines += used.sorted().map { "T gx\($0) = T(0);" }
            lines += roots.flatMap(backwardLines)
            lines.append("if (active) {")
            lines.append("  T* __restrict__ o = dx + (size_t)node * \(inputSize) + u;")
            lines += (0..<plan.inputComponents).map { "  o[\($0) * C] = \(used.contains($0) ? "gx\($0)" : "T(0)");" }
            lines.append("}")
        } else {
            let outputs = Set(plan.slots.map(\.output))
            lines += outputs.sorted().map { "T b\($0) = T(0);" }
            lines += roots.flatMap(forwardLines)
            lines.append("if (active) {")
            lines.append("  T* __restrict__ o = out + (size_t)node * \(outputSize) + u;")
            lines += (0..<plan.outputComponents).map { "  o[\($0) * C] = \(outputs.contains($0) ? "b\($0)" : "T(0)");" }
            lines.append("}")
        }
        let signature = parameters.map { "\($0.type) \($0.name)" }.joined(separator: ", ")
        var code = "// \(name): \(plan.monomials.count) monomials, \(plan.slots.count) coefficient slots per element, "
            + "\(plan.channels) channels\n"
        code += "template <typename T>\n__device__ __forceinline__ void \(name)_body(\(signature)) {\n"
        code += lines.map { "  " + $0 }.joined(separator: "\n") + "\n}\n\n"
        code += GeneratedModule.entryPoints(name: name, parameters: parameters, maxThreads: channelThreads * rowsPerBlock)
        return GeneratedKernel(
            name: name, code: code, channelThreads: channelThreads, rowsPerBlock: rowsPerBlock,
            parameters: parameters.map { "\($0.type) \($0.name)" })
    }
}
