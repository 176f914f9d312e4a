// SwiftMACE, MIT licence.
// SymmetricContractionKernelSource: generated per-node kernels of the symmetric contraction in monomial form
// (KERNELS.md §2.7): thread = channel, element-specific coefficients read from global memory (L2), monomials built
// as parent × x in straight-line code; the backward (d/dx) walks the same tree in reverse; the dual kernels run the
// same code on (value, tangent) pairs for reverse-over-forward training.

/// The forward, input-gradient and training (dual) kernels of a ``SymmetricContractionDescriptor`` polynomial.
///
/// All take `(int nodes, …)`, block `(channelThreads, rowsPerBlock)`, one node per y-thread; features are in ir_mul
/// `[nodes, size]`, channels contiguous, and `coefficients` is ``MonomialContraction/coefficientTable(weights:
/// elementCount:)`` `[elements, slots, C]` indexed by `elements` (int32 per node):
/// - ``forward`` `(elements, coefficients, x, out)`: `out = B(x)`.
/// - ``backward`` `(elements, coefficients, x, dout, dx)`: `dx = J(x)ᵀ dout`.
/// - ``dualForward`` `(elements, coefficients, x, xTangent, out, outTangent)`: `out = B(x)`, `outTangent = J(x) ẋ`.
/// - ``dualBackward`` `(elements, coefficients, x, xTangent, dout, doutTangent, dx, dxTangent)`: with the primal
///   adjoint Ā = `dout` and the tangent adjoint Ǡ = `doutTangent`, `dx = J(x)ᵀ Ā + (∂(J(x) ẋ)/∂x)ᵀ Ǡ` and
///   `dxTangent = J(x)ᵀ Ǡ` (the d/dx kernel on dual numbers x + εẋ, Ǡ + εĀ: value part dxTangent, ε part dx).
/// - ``dualWeightGradient`` `(x, xTangent, dout, doutTangent, gradient)`: per node, `gradient[n, j, u] =
///   ∂(⟨Ā, B⟩ + ⟨Ǡ, J(x) ẋ⟩)/∂W_input[element(n)][column·C + u]` for the weight columns
///   `j` of ``MonomialContraction/weightColumns`` (`gradient` `[nodes, weightColumns.count, C]`); B is linear in
///   the weights, so it reads no coefficients, and summing its rows over the nodes of each element gives the
///   weights' gradient.
///
/// The 16-bit feature variants (``halfCode``, a module of its own, float32 arithmetic, entry points `…_f32_bf16`
/// and `…_f32_f16` only): ``halfForward`` reads `x` and writes `out` in the 16-bit type (each output rounded once
/// from its float32 sum); ``halfBackward`` reads `x` in it, `dout` and `dx` float32.
public struct SymmetricContractionKernelSource: Sendable {
    public let plan: MonomialContraction
    public let forward: GeneratedKernel
    public let backward: GeneratedKernel
    public let dualForward: GeneratedKernel
    public let dualBackward: GeneratedKernel
    public let dualWeightGradient: GeneratedKernel
    public let halfForward: GeneratedKernel
    public let halfBackward: GeneratedKernel
    /// The module: prelude, the dual-number type and all kernels but the 16-bit feature variants.
    public let code: String
    /// The module of ``halfForward`` and ``halfBackward``.
    public let halfCode: String

    /// - Throws: `EquivarianceError.unsupported` when the polynomial is not in the form ``MonomialContraction``
    ///   takes.
    public init(polynomial: EquivariantPolynomial, prefix: String = "contraction") throws {
        let plan = try MonomialContraction(polynomial)
        self.plan = plan
        let writer = MonomialCodeWriter(plan: plan)
        forward = writer.kernel(name: prefix + "_forward", .forward)
        backward = writer.kernel(name: prefix + "_backward", .backward)
        dualForward = writer.kernel(name: prefix + "_dual_forward", .dualForward)
        dualBackward = writer.kernel(name: prefix + "_dual_backward", .dualBackward)
        dualWeightGradient = writer.kernel(name: prefix + "_dual_weight_gradient", .dualWeightGradient)
        code = GeneratedModule.source([forward, backward]) + "\n" + Self.dualNumbers + "\n"
            + [dualForward, dualBackward, dualWeightGradient].map(\.code).joined(separator: "\n")
        halfForward = writer.kernel(name: prefix + "_half_forward", .forward, stored: true)
        halfBackward = writer.kernel(name: prefix + "_half_backward", .backward, stored: true)
        halfCode = GeneratedModule.source([halfForward, halfBackward])
    }

    /// `a + εb` with ε² = 0: the dual kernels run the primal kernels' statements on these.
    static let dualNumbers = """
        template <typename T> struct sc_dual {
          T v, e;
          __device__ __forceinline__ sc_dual(T value = T(0), T tangent = T(0)) : v(value), e(tangent) {}
        };
        template <typename T> __device__ __forceinline__ sc_dual<T> operator+(sc_dual<T> a, sc_dual<T> b) {
          return sc_dual<T>(a.v + b.v, a.e + b.e); }
        template <typename T> __device__ __forceinline__ sc_dual<T> operator*(sc_dual<T> a, sc_dual<T> b) {
          return sc_dual<T>(a.v * b.v, a.v * b.e + a.e * b.v); }
        template <typename T> __device__ __forceinline__ sc_dual<T> operator*(T a, sc_dual<T> b) {
          return sc_dual<T>(a * b.v, a * b.e); }
        template <typename T> __device__ __forceinline__ sc_dual<T>& operator+=(sc_dual<T>& a, sc_dual<T> b) {
          a.v += b.v; a.e += b.e; return a; }

        """
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

    /// The kernels of ``SymmetricContractionKernelSource``.
    enum Kind {
        case forward, backward, dualForward, dualBackward, dualWeightGradient

        var isDual: Bool { self != .forward && self != .backward }
        /// The type the monomials and gradients are computed in: the scalar, or its dual number.
        var value: String { isDual ? "D" : "T" }
    }

    private func value(_ m: Int) -> String {
        plan.monomials[m].count == 1 ? "x\(plan.monomials[m][0])" : "m\(m)"
    }

    private func gradient(_ m: Int) -> String {
        plan.monomials[m].count == 1 ? "gx\(plan.monomials[m][0])" : "g\(m)"
    }

    /// `m = parent · x_last`, for monomials of degree ≥ 2, in type `v`.
    private func definition(_ m: Int, _ v: String) -> String? {
        guard let p = parent[m], let last = plan.monomials[m].last else { return nil }
        return "const \(v) m\(m) = \(value(p)) * x\(last);"
    }

    private func forwardLines(_ m: Int, _ v: String) -> [String] {
        var lines = definition(m, v).map { [$0] } ?? []
        for s in slotsOf[m] { lines.append("b\(plan.slots[s].output) += cf[\(s) * C] * \(value(m));") }
        return lines + children[m].flatMap { forwardLines($0, v) }
    }

    /// Post-order: a monomial's gradient is complete once its children have added theirs, then it flows to its
    /// parent (× x_last) and to x_last (× parent).
    private func backwardLines(_ m: Int, _ v: String) -> [String] {
        var lines: [String] = []
        if !children[m].isEmpty, let definition = definition(m, v) { lines.append(definition) }
        let seed = slotsOf[m].map { "cf[\($0) * C] * d\(plan.slots[$0].output)" }
        if plan.monomials[m].count == 1 {
            if !seed.isEmpty { lines.append("\(gradient(m)) += \(seed.joined(separator: " + "));") }
        } else {
            lines.append("\(v) \(gradient(m)) = \(seed.isEmpty ? "\(v)(0)" : seed.joined(separator: " + "));")
        }
        lines += children[m].flatMap { backwardLines($0, v) }
        if let p = parent[m], let last = plan.monomials[m].last {
            lines.append("\(gradient(p)) += \(gradient(m)) * x\(last);")
            lines.append("gx\(last) += \(gradient(m)) * \(value(p));")
        }
        return lines
    }

    /// Dual monomials, and per slot `t = Ā[out]·m + Ǡ[out]·ṁ` (the ε part of `d_out · m` with d = Ǡ + εĀ) added
    /// into the accumulator of each weight column the slot's coefficient sums, times the summed coefficient values.
    private func weightLines(_ m: Int, columns: [MonomialContraction.WeightColumn: Int]) -> [String] {
        var lines = definition(m, "D").map { [$0] } ?? []
        for s in slotsOf[m] {
            var values: [Int: Double] = [:]
            for entry in plan.slots[s].contributions {
                let key = MonomialContraction.WeightColumn(input: entry.weightInput, column: entry.column)
                if let j = columns[key] { values[j, default: 0] += entry.value }
            }
            let sums = values.keys.sorted().map { "w\($0) += T(\(CUDALiteral.hex(values[$0] ?? 0))) * t;" }
            let t = "const T t = (d\(plan.slots[s].output) * \(value(m))).e;"
            lines.append("{ \(t) \(sums.joined(separator: " ")) }")
        }
        return lines + children[m].flatMap { weightLines($0, columns: columns) }
    }

    /// Writes `values` (one per component, nil: zero) to `pointer + node · components · C + u`, rounded to the
    /// storage type `W` when `stored`.
    private func store(_ pointer: String, _ values: [String?], stored: Bool = false) -> [String] {
        guard stored else {
            return ["  { T* __restrict__ o = \(pointer) + (size_t)node * \(values.count * plan.channels) + u;"]
                + values.enumerated().map { "    o[\($0.offset) * C] = \($0.element ?? "T(0)");" } + ["  }"]
        }
        return ["  { W* __restrict__ o = \(pointer) + (size_t)node * \(values.count * plan.channels) + u;"]
            + values.enumerated().map { "    swiftmace_store(o + \($0.offset) * C, \($0.element ?? "T(0)"));" }
            + ["  }"]
    }

    /// The kernel of `kind`; with `stored` (forward and backward only) `x` and the forward's `out` are in a storage
    /// type `W` and only the 16-bit entry points are emitted.
    func kernel(name: String, _ kind: Kind, stored: Bool = false) -> GeneratedKernel {
        let rowsPerBlock = max(1, 256 / channelThreads)
        let inputSize = plan.inputComponents * plan.channels
        let outputSize = plan.outputComponents * plan.channels
        let v = kind.value
        let input = "const T* __restrict__"
        let output = "T* __restrict__"
        var parameters: [(type: String, name: String)] = [("int", "nodes")]
        if kind != .dualWeightGradient {
            parameters += [("const int* __restrict__", "elements"), (input, "coefficients")]
        }
        parameters.append((stored ? "const W* __restrict__" : input, "x"))
        if kind.isDual { parameters.append((input, "xTangent")) }
        switch kind {
        case .forward: parameters.append((stored ? "W* __restrict__" : output, "out"))
        case .backward: parameters += [(input, "dout"), (output, "dx")]
        case .dualForward: parameters += [(output, "out"), (output, "outTangent")]
        case .dualBackward:
            parameters += [(input, "dout"), (input, "doutTangent"), (output, "dx"), (output, "dxTangent")]
        case .dualWeightGradient: parameters += [(input, "dout"), (input, "doutTangent"), (output, "gradient")]
        }
        let used = Set(plan.monomials.flatMap { $0 }).sorted()
        let outputs = Set(plan.slots.map(\.output)).sorted()
        var lines = [
            "constexpr int C = \(plan.channels);", "const int u = threadIdx.x;",
            plan.channels == channelThreads ? "constexpr bool active = true;" : "const bool active = u < C;",
            "const int uc = active ? u : 0;", "const int node = blockIdx.x * blockDim.y + threadIdx.y;",
            "if (node >= nodes) return;",
        ]
        if kind.isDual { lines.insert("using D = sc_dual<T>;", at: 0) }
        if kind != .dualWeightGradient {
            lines.append(
                "const T* __restrict__ cf = coefficients + (size_t)elements[node] * "
                    + "\(plan.slots.count * plan.channels) + uc;")
        }
        lines.append("const \(stored ? "W" : "T")* __restrict__ xn = x + (size_t)node * \(inputSize) + uc;")
        if kind.isDual {
            lines.append("const T* __restrict__ tn = xTangent + (size_t)node * \(inputSize) + uc;")
            lines += used.map { "const D x\($0) = D(xn[\($0) * C], tn[\($0) * C]);" }
        } else if stored {
            lines += used.map { "const T x\($0) = T(swiftmace_widen(xn[\($0) * C]));" }
        } else {
            lines += used.map { "const T x\($0) = xn[\($0) * C];" }
        }
        if kind == .backward || kind == .dualBackward || kind == .dualWeightGradient {
            lines.append("const T* __restrict__ dn = dout + (size_t)node * \(outputSize) + uc;")
            if kind.isDual {
                // Reverse over forward: the cotangent Ǡ + εĀ, so the ε parts of the results carry Ā's terms.
                lines.append("const T* __restrict__ dtn = doutTangent + (size_t)node * \(outputSize) + uc;")
                lines += outputs.map { "const D d\($0) = D(dtn[\($0) * C], dn[\($0) * C]);" }
            } else {
                lines += outputs.map { "const T d\($0) = dn[\($0) * C];" }
            }
        }
        let components = { (count: Int, present: [Int], text: (Int) -> String) -> [String?] in
            let set = Set(present)
            return (0..<count).map { set.contains($0) ? text($0) : nil }
        }
        switch kind {
        case .forward, .dualForward:
            lines += outputs.map { "\(v) b\($0) = \(v)(0);" }
            lines += roots.flatMap { forwardLines($0, v) }
            lines.append("if (active) {")
            if kind == .forward {
                lines += store("out", components(plan.outputComponents, outputs) { "b\($0)" }, stored: stored)
            } else {
                lines += store("out", components(plan.outputComponents, outputs) { "b\($0).v" })
                lines += store("outTangent", components(plan.outputComponents, outputs) { "b\($0).e" })
            }
            lines.append("}")
        case .backward, .dualBackward:
            lines += used.map { "\(v) gx\($0) = \(v)(0);" }
            lines += roots.flatMap { backwardLines($0, v) }
            lines.append("if (active) {")
            if kind == .backward {
                lines += store("dx", components(plan.inputComponents, used) { "gx\($0)" })
            } else {
                lines += store("dx", components(plan.inputComponents, used) { "gx\($0).e" })
                lines += store("dxTangent", components(plan.inputComponents, used) { "gx\($0).v" })
            }
            lines.append("}")
        case .dualWeightGradient:
            let columns = plan.weightColumns
            let index = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($0.element, $0.offset) })
            lines += columns.indices.map { "T w\($0) = T(0);" }
            lines += roots.flatMap { weightLines($0, columns: index) }
            lines.append("if (active) {")
            lines += store("gradient", columns.indices.map { "w\($0)" })
            lines.append("}")
        }
        return GeneratedKernel.assembled(
            name: name,
            comment: "\(name): \(plan.monomials.count) monomials, \(plan.slots.count) coefficient slots per element, "
                + "\(plan.channels) channels"
                + (kind == .dualWeightGradient ? ", \(plan.weightColumns.count) weight columns" : ""),
            parameters: parameters, body: lines, channelThreads: channelThreads, rowsPerBlock: rowsPerBlock,
            storage: stored, halfOnly: stored)
    }
}
