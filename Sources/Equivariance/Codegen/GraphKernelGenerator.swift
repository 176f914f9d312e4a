// SwiftMACE, MIT licence.
// GraphKernelGenerator: CUDA C++ for a "uniform 1d" polynomial evaluated over the edges of a graph walked in CSR
// order (KERNELS.md §2.4/§2.5): thread = channel, one row's edges in sequence, straight-line CG code with the
// coefficients as hexadecimal constants, row outputs summed in registers and written once (no atomics).

/// Where a graph kernel reads or writes an operand, for the edge at CSR position `p` of row `r`.
public enum GraphOperandRole: String, Sendable, Hashable {
    /// One row per edge, at the caller's edge index `edgeIDs[p]` (radial weights, spherical harmonics).
    case edge
    /// Row `gatherRows[p]` (the sender's features in a receiver CSR). Inputs only: a gathered output would need
    /// atomics; run it as a `.row` output over the CSR of that endpoint instead.
    case gathered
    /// Row `r`. An input is loaded once per row; an output is summed over the row's edges in registers and
    /// written once, zero for a row without edges.
    case row
}

/// Generates one graph kernel from a polynomial whose terms are all "uniform 1d" (one channel letter, shared).
///
/// The kernel: `<name>_f32` / `<name>_f64` with parameters `(int rows, const int* row_offsets, const int*
/// edge_ids, const int* gather_rows, inputs…, outputs…)`; operands named in `storedInputs` / `storedOutputs` are in
/// a storage type `W` (widened on load, rounded on store), which is T in those entry points and a ``HalfStorage``
/// in the extra float32 ones (`<name>_f32_bf16`, `<name>_f32_f16`; with `halfOnly` only those); block
/// `(channelThreads, rowsPerBlock)`, one row per y-thread. Operand buffers are `[rows of their role, operand.size]` in the ir_mul layout (``IrMulLayout``).
/// Per edge, every operand value a term needs is loaded once; each path's coefficients are grouped by output
/// component and first factor, `acc += f0 · (Σ c · f1 ⋯)`. Edge outputs with a channel are written per edge;
/// edge outputs without one are summed over channels (warp shuffles, then per-warp partials in shared memory
/// added in a fixed order), so such kernels run one row per block. Every sum has a fixed order: deterministic.
/// An output may overwrite a per-edge input in place (`inPlace`): those two pointers lose `__restrict__`, so the
/// compiler keeps each edge's loads before its stores (each element is read, then written, by the same thread).
public struct GraphKernelGenerator {
    /// Edges staged per shared-memory round of a channel reduction.
    static let reductionChunk = 32

    let polynomial: EquivariantPolynomial
    let name: String
    let inputRoles: [GraphOperandRole]
    let outputRoles: [GraphOperandRole]
    /// The channel extent shared by all channel operands.
    let channels: Int
    let inputHasChannel: [Bool?]
    let outputHasChannel: [Bool?]
    /// Operands stored in the storage type `W` (per-channel ones only).
    let storedInputs: Set<Int>
    let storedOutputs: Set<Int>
    /// Whether only the 16-bit storage entry points are emitted (a variant of another kernel whose scalar entry
    /// points would repeat that kernel's).
    let halfOnly: Bool
    /// Output index → the input index whose buffer it overwrites.
    let inPlace: [Int: Int]

    /// Checks that `polynomial` fits the kernel form.
    /// - Throws: `EquivarianceError.unsupported` naming the term or operand that does not fit: a term that is not
    ///   uniform 1d or has no channel at all, differing channel extents, an operand read with and without a
    ///   channel, a gathered output, a row output without a channel, role lists of the wrong length, a stored
    ///   operand without a channel, `halfOnly` without stored operands, an in-place pair that is not a per-edge input
    ///   and a per-edge output of one size, both with a channel and in the same type.
    public init(
        _ polynomial: EquivariantPolynomial, name: String, inputRoles: [GraphOperandRole],
        outputRoles: [GraphOperandRole], storedInputs: Set<Int> = [], storedOutputs: Set<Int> = [],
        halfOnly: Bool = false, inPlace: [Int: Int] = [:]
    ) throws {
        let label = "graph kernel '\(name)' of '\(polynomial.name)'"
        guard inputRoles.count == polynomial.inputs.count, outputRoles.count == polynomial.outputs.count else {
            throw EquivarianceError.unsupported(
                "\(label): \(inputRoles.count) input and \(outputRoles.count) output roles; the polynomial has "
                    + "\(polynomial.inputs.count) inputs and \(polynomial.outputs.count) outputs")
        }
        var inputChannel = [Bool?](repeating: nil, count: polynomial.inputs.count)
        var outputChannel = [Bool?](repeating: nil, count: polynomial.outputs.count)
        var extent: Int?
        for (t, term) in polynomial.terms.enumerated() {
            guard term.isUniformOneDimensional, term.modes.contains(where: { !$0.isEmpty }) else {
                throw EquivarianceError.unsupported(
                    "\(label): term \(t) has modes \(term.modes); expected one channel letter shared by the operands "
                        + "that have one (uniform 1d)")
            }
            for (n, modes) in term.modes.enumerated() {
                let isOutput = n == term.inputs.count
                let index = isOutput ? term.output : term.inputs[n]
                let operand = isOutput ? polynomial.outputs[index] : polynomial.inputs[index]
                let hasChannel = !modes.isEmpty
                let known = isOutput ? outputChannel[index] : inputChannel[index]
                if let known, known != hasChannel {
                    throw EquivarianceError.unsupported(
                        "\(label): operand '\(operand.name)' is read with and without a channel mode")
                }
                if isOutput { outputChannel[index] = hasChannel } else { inputChannel[index] = hasChannel }
                for shape in operand.segments {
                    guard shape.count == (hasChannel ? 2 : 1) else {
                        throw EquivarianceError.unsupported(
                            "\(label): operand '\(operand.name)' has a segment of shape \(shape); expected "
                                + (hasChannel ? "[C, d]" : "[d]"))
                    }
                    if hasChannel {
                        if let extent, extent != shape[0] {
                            throw EquivarianceError.unsupported(
                                "\(label): channel extents \(extent) and \(shape[0]) differ; expected one")
                        }
                        extent = shape[0]
                    }
                }
            }
        }
        for (k, role) in outputRoles.enumerated() where outputChannel[k] != nil {
            if role == .gathered {
                throw EquivarianceError.unsupported(
                    "\(label): output '\(polynomial.outputs[k].name)' is gathered; a scatter would need atomics, so "
                        + "write it as a row output over the CSR of that endpoint")
            }
            if role == .row && outputChannel[k] == false {
                throw EquivarianceError.unsupported(
                    "\(label): row output '\(polynomial.outputs[k].name)' has no channel mode; expected one")
            }
        }
        for k in storedOutputs where outputChannel.indices.contains(k) && outputChannel[k] == false {
            throw EquivarianceError.unsupported(
                "\(label): stored output '\(polynomial.outputs[k].name)' has no channel mode; expected one")
        }
        if halfOnly && storedInputs.isEmpty && storedOutputs.isEmpty {
            throw EquivarianceError.unsupported("\(label): 16-bit entry points only, but no operand is stored in 16 bits")
        }
        for (k, n) in inPlace.sorted(by: { $0.key < $1.key }) {
            guard outputRoles.indices.contains(k), inputRoles.indices.contains(n), outputRoles[k] == .edge,
                inputRoles[n] == .edge, outputChannel[k] == true, inputChannel[n] == true,
                polynomial.outputs[k].size == polynomial.inputs[n].size,
                storedOutputs.contains(k) == storedInputs.contains(n)
            else {
                throw EquivarianceError.unsupported(
                    "\(label): output \(k) in place of input \(n); expected a per-edge output and a per-edge input of "
                        + "one size, both with a channel and stored alike")
            }
        }
        self.inPlace = inPlace
        self.storedInputs = storedInputs
        self.storedOutputs = storedOutputs
        self.halfOnly = halfOnly
        self.polynomial = polynomial
        self.name = name
        self.inputRoles = inputRoles
        self.outputRoles = outputRoles
        self.channels = extent ?? 0
        self.inputHasChannel = inputChannel
        self.outputHasChannel = outputChannel
    }

    /// Whether an output is summed over channels (then the kernel runs one row per block).
    var reduces: Bool {
        outputRoles.indices.contains { outputRoles[$0] == .edge && outputHasChannel[$0] == false }
    }

    var channelThreads: Int { max(32, (channels + 31) / 32 * 32) }

    /// The generated kernel.
    public func generate() -> GeneratedKernel {
        let rowsPerBlock = reduces ? 1 : max(1, 256 / channelThreads)
        var parameters: [(type: String, name: String)] = [
            ("int", "rows"), ("const int* __restrict__", "row_offsets"), ("const int* __restrict__", "edge_ids"),
            ("const int* __restrict__", "gather_rows"),
        ]
        let stores = !storedInputs.isEmpty || !storedOutputs.isEmpty
        parameters += polynomial.inputs.indices.map { ("const \(inputType($0))*\(inputRestrict($0))", "in\($0)") }
        parameters += polynomial.outputs.indices.map { ("\(outputType($0))*\(outputRestrict($0))", "out\($0)") }
        return GeneratedKernel.assembled(
            name: name,
            comment: "\(name): \(polynomial.name), \(polynomial.pathCount) paths, \(polynomial.coefficientCount) "
                + "coefficients; roles in [\(inputRoles.map(\.rawValue).joined(separator: ", "))] out ["
                + "\(outputRoles.map(\.rawValue).joined(separator: ", "))]",
            parameters: parameters, body: bodyLines(rowsPerBlock: rowsPerBlock), channelThreads: channelThreads,
            rowsPerBlock: rowsPerBlock, storage: stores, halfOnly: halfOnly)
    }

    // MARK: - Body

    /// Component index (ir_mul row) of segment `segment`, coefficient index `index` of an operand.
    private func component(_ operand: PolynomialOperand, _ segment: Int, _ index: Int) -> Int {
        operand.segments[..<segment].reduce(0) { $0 + ($1.last ?? 0) } + index
    }

    func inputName(_ n: Int, _ comp: Int) -> String { "a\(n)_\(comp)" }
    func outputName(_ k: Int, _ comp: Int) -> String {
        (outputRoles[k] == .row ? "r" : "e") + "\(k)_\(comp)"
    }

    /// One statement per (path, output component, first-factor component) group, in description order.
    func termStatements() -> (statements: [String], inputs: [Set<Int>], outputs: [Set<Int>]) {
        var statements: [String] = []
        var usedInputs = [Set<Int>](repeating: [], count: polynomial.inputs.count)
        var usedOutputs = [Set<Int>](repeating: [], count: polynomial.outputs.count)
        for term in polynomial.terms {
            let factors = term.inputs.count
            for path in term.paths {
                var order: [[Int]] = []
                var groups: [[Int]: [String]] = [:]
                for coefficient in path.coefficients {
                    let names = (0..<factors).map { n -> String in
                        let input = term.inputs[n]
                        let comp = component(polynomial.inputs[input], path.segments[n], coefficient.indices[n])
                        usedInputs[input].insert(comp)
                        return inputName(input, comp)
                    }
                    let out = component(
                        polynomial.outputs[term.output], path.segments[factors], coefficient.indices[factors])
                    usedOutputs[term.output].insert(out)
                    let key = [out, coefficient.indices[0], path.segments[0]]
                    let product = (["T(\(CUDALiteral.hex(coefficient.value)))"] + names.dropFirst())
                        .joined(separator: " * ")
                    if groups[key] == nil {
                        order.append(key)
                        groups[key] = [names[0], product]
                    } else {
                        groups[key]?.append(product)
                    }
                }
                for key in order {
                    guard let group = groups[key] else { continue }
                    let target = outputName(term.output, key[0])
                    statements.append("\(target) += \(group[0]) * (\(group.dropFirst().joined(separator: " + ")));")
                }
            }
        }
        return (statements, usedInputs, usedOutputs)
    }

    private func address(channel: Bool?, _ comp: Int) -> String {
        channel == true ? "\(comp) * C" : "\(comp)"
    }

    /// ` __restrict__` unless the operand is half of an in-place pair.
    private func inputRestrict(_ n: Int) -> String { inPlace.values.contains(n) ? "" : " __restrict__" }
    private func outputRestrict(_ k: Int) -> String { inPlace[k] == nil ? " __restrict__" : "" }

    /// The element type of input `n` / output `k`: the storage type `W` or the scalar `T`.
    private func inputType(_ n: Int) -> String { storedInputs.contains(n) ? "W" : "T" }
    private func outputType(_ k: Int) -> String { storedOutputs.contains(k) ? "W" : "T" }

    /// Component `comp` of input `n` through pointer `pointer`, widened when the input is stored in `W`.
    private func load(_ n: Int, _ pointer: String, _ comp: Int) -> String {
        let element = "\(pointer)[\(address(channel: inputHasChannel[n], comp))]"
        return storedInputs.contains(n) ? "T(swiftmace_widen(\(element)))" : element
    }

    /// The statement writing `value` to component `comp` (channel u) of output `k` through `o<k>`.
    private func store(_ k: Int, _ comp: Int, _ value: String) -> String {
        storedOutputs.contains(k)
            ? "swiftmace_store(o\(k) + \(comp) * C, \(value));" : "o\(k)[\(comp) * C] = \(value);"
    }

    private func bodyLines(rowsPerBlock: Int) -> [String] {
        let (statements, usedInputs, usedOutputs) = termStatements()
        let reduces = self.reduces
        var lines = ["constexpr int C = \(channels);"]
        lines.append("const int u = threadIdx.x;")
        lines.append(channels == channelThreads ? "constexpr bool active = true;" : "const bool active = u < C;")
        lines.append("const int uc = active ? u : 0;")
        lines.append("const int row = blockIdx.x * blockDim.y + threadIdx.y;")
        lines.append("if (row >= rows) return;")
        lines.append("const int begin = row_offsets[row];")
        lines.append("const int end = row_offsets[row + 1];")
        // Row inputs, once.
        for (n, input) in polynomial.inputs.enumerated() where inputRoles[n] == .row && !usedInputs[n].isEmpty {
            lines.append("const \(inputType(n))* __restrict__ row\(n) = in\(n) + (size_t)row * \(input.size)"
                + (inputHasChannel[n] == true ? " + uc;" : ";"))
            for comp in usedInputs[n].sorted() {
                lines.append("const T \(inputName(n, comp)) = \(load(n, "row\(n)", comp));")
            }
        }
        for (k, _) in polynomial.outputs.enumerated() where outputRoles[k] == .row {
            for comp in usedOutputs[k].sorted() { lines.append("T \(outputName(k, comp)) = T(0);") }
        }
        // Per-edge body: loads (names in `locals`), then the work on them.
        var loads: [String] = ["const size_t e = (size_t)edge_ids[p];"]
        var locals = ["p", "e"]
        if inputRoles.indices.contains(where: { inputRoles[$0] == .gathered && !usedInputs[$0].isEmpty }) {
            loads.append("const size_t g = (size_t)gather_rows[p];")
            locals.append("g")
        }
        for (n, input) in polynomial.inputs.enumerated() where inputRoles[n] != .row && !usedInputs[n].isEmpty {
            let index = inputRoles[n] == .edge ? "e" : "g"
            loads.append("const \(inputType(n))*\(inputRestrict(n)) q\(n) = in\(n) + \(index) * \(input.size)"
                + (inputHasChannel[n] == true ? " + uc;" : ";"))
            locals.append("q\(n)")
            let comps = usedInputs[n].sorted()
            locals += comps.map { inputName(n, $0) }
            if inputHasChannel[n] == false && comps == Array(0..<input.size) && input.size % 4 == 0 {
                // A whole per-edge row without channels (the spherical harmonics): 16-byte loads, same for all lanes.
                for first in stride(from: 0, to: input.size, by: 4) {
                    let names = (first..<first + 4).map { inputName(n, $0) }
                    loads.append("T \(names.joined(separator: ", ")); swiftmace_load4(q\(n) + \(first), "
                        + "\(names.joined(separator: ", ")));")
                }
            } else {
                for comp in comps { loads.append("const T \(inputName(n, comp)) = \(load(n, "q\(n)", comp));") }
            }
        }
        var work: [String] = []
        for (k, _) in polynomial.outputs.enumerated() where outputRoles[k] == .edge {
            for comp in usedOutputs[k].sorted() { work.append("T \(outputName(k, comp)) = T(0);") }
        }
        work += statements
        for (k, output) in polynomial.outputs.enumerated() where outputRoles[k] == .edge && outputHasChannel[k] == true {
            work.append("if (active) {")
            work.append("  \(outputType(k))*\(outputRestrict(k)) o\(k) = out\(k) + e * \(output.size) + u;")
            for comp in 0..<(output.size / channels) {
                let value = usedOutputs[k].contains(comp) ? outputName(k, comp) : "T(0)"
                work.append("  " + store(k, comp, value))
            }
            work.append("}")
        }
        if reduces {
            lines += reductionLoop(loads: loads, work: work, locals: locals, usedOutputs: usedOutputs)
        } else {
            lines += Self.pairedLoop(index: "p", from: "begin", to: "end", loads: loads, work: work, locals: locals)
        }
        for (k, output) in polynomial.outputs.enumerated() where outputRoles[k] == .row {
            lines.append("if (active) {")
            lines.append("  \(outputType(k))* __restrict__ o\(k) = out\(k) + (size_t)row * \(output.size) + u;")
            for comp in 0..<(output.size / channels) {
                let value = usedOutputs[k].contains(comp) ? outputName(k, comp) : "T(0)"
                lines.append("  " + store(k, comp, value))
            }
            lines.append("}")
        }
        return lines
    }

    /// The edge loop of a kernel with channel-summed edge outputs: per chunk of edges, each warp sums its lanes'
    /// values (``warpTransposeSum``) into shared memory, one barrier, then the block adds the warps' partials in
    /// order and writes them.
    private func reductionLoop(loads: [String], work: [String], locals: [String], usedOutputs: [Set<Int>]) -> [String] {
        let warps = channelThreads / 32
        let chunk = Self.reductionChunk
        var slots: [(output: Int, comp: Int)] = []
        for (k, output) in polynomial.outputs.enumerated() where outputRoles[k] == .edge && outputHasChannel[k] == false {
            for comp in 0..<output.size { slots.append((k, comp)) }
        }
        var lines = ["const int lane = threadIdx.x & 31;", "const int warp = threadIdx.x >> 5;"]
        lines.append("__shared__ T partial[\(chunk)][\(warps)][\(slots.count)];")
        lines.append("for (int chunk = begin; chunk < end; chunk += \(chunk)) {")
        lines.append("  const int count = min(\(chunk), end - chunk);")
        let values = slots.map { slot in
            usedOutputs[slot.output].contains(slot.comp)
                ? "(active ? \(outputName(slot.output, slot.comp)) : T(0))" : "T(0)"
        }
        let summed = work + Self.warpTransposeSum(values) { "partial[q][warp][\($0)]" }
        lines += Self.pairedLoop(
            index: "q", from: "0", to: "count", loads: ["const int p = chunk + q;"] + loads, work: summed,
            locals: ["q"] + locals
        ).map { "  " + $0 }
        lines.append("  __syncthreads();")
        lines.append("  for (int t = threadIdx.x; t < count * \(slots.count); t += blockDim.x) {")
        lines.append("    const int q = t / \(slots.count);")
        lines.append("    const int j = t - q * \(slots.count);")
        lines.append("    T s = partial[q][0][j];")
        for w in 1..<max(warps, 1) { lines.append("    s += partial[q][\(w)][j];") }
        lines.append("    const size_t e = (size_t)edge_ids[chunk + q];")
        var start = 0
        let outputsReduced = Array(Set(slots.map(\.output))).sorted()
        for (position, k) in outputsReduced.enumerated() {
            let size = polynomial.outputs[k].size
            let condition = position == outputsReduced.count - 1 ? "" : "if (j < \(start + size)) "
            let prefix = position == 0 ? "" : "else "
            lines.append("    \(prefix)\(condition)out\(k)[e * \(size) + (j - \(start))] = s;")
            start += size
        }
        lines.append("  }")
        lines.append("  __syncthreads();")
        lines.append("}")
        return lines
    }

    /// `for (index = from; index < to; ++index) { loads; work }`, two iterations per trip: both iterations' loads
    /// first (their names in `locals` get the suffixes `_0`, `_1`), then both works in order, so two edges' loads
    /// are in flight together (the sums keep their edge order, so results do not change); an odd last iteration
    /// runs alone.
    static func pairedLoop(
        index: String, from: String, to: String, loads: [String], work: [String], locals: [String]
    ) -> [String] {
        let trip = index + "2"
        let names = Set(locals + [index])
        var lines = ["int \(trip) = \(from);", "for (; \(trip) + 1 < \(to); \(trip) += 2) {"]
        for slot in 0..<2 {
            lines.append("  const int \(index)_\(slot) = \(trip)\(slot == 0 ? "" : " + 1");")
            lines += loads.map { "  " + renamed($0, names, suffix: "_\(slot)") }
        }
        for slot in 0..<2 {
            lines.append("  {")
            lines += work.map { "    " + renamed($0, names, suffix: "_\(slot)") }
            lines.append("  }")
        }
        lines.append("}")
        lines.append("if (\(trip) < \(to)) {")
        lines.append("  const int \(index) = \(trip);")
        lines += (loads + work).map { "  " + $0 }
        lines.append("}")
        return lines
    }

    /// `line` with each identifier in `names` followed by `suffix` (identifiers: runs of letters, digits and `_`
    /// that start with a letter or `_`; a run starting with a digit, such as a hexadecimal literal, is a number).
    static func renamed(_ line: String, _ names: Set<String>, suffix: String) -> String {
        var result = ""
        var token = ""
        func flush() {
            if let first = token.first, !first.isNumber, names.contains(token) { result += token + suffix } else {
                result += token
            }
            token = ""
        }
        for character in line {
            if character.isLetter || character.isNumber || character == "_" || (character == "." && token.first?.isNumber == true) {
                token.append(character)
            } else {
                flush()
                result.append(character)
            }
        }
        flush()
        return result
    }

    /// Sums each of `values` (C++ expressions of type T) over the 32 lanes of a warp in 5 shuffle rounds: rounds
    /// halve the values each lane carries (a lane keeps one half and adds its partner's copy of it) until each lane
    /// carries one, then plain butterfly rounds: 2·(n − 1) + 5 − log2 n shuffles for n values instead of 5·n.
    /// `store(j)` names where value j's sum goes (j a C++ index expression); the lowest lane holding it writes it.
    /// Groups of 32 values, each padded to a power of two with zeros. Fixed order: deterministic. Needs `lane`.
    static func warpTransposeSum(_ values: [String], store: (String) -> String) -> [String] {
        var lines: [String] = []
        for first in stride(from: 0, to: values.count, by: 32) {
            let group = Array(values[first..<min(values.count, first + 32)])
            var width = 1
            while width < group.count { width *= 2 }
            lines.append("{")
            for j in 0..<width { lines.append("  T v\(j) = \(j < group.count ? group[j] : "T(0)");") }
            var carried = width
            for offset in [16, 8, 4, 2, 1] {
                guard carried > 1 else {
                    lines.append("  v0 += __shfl_xor_sync(0xffffffffu, v0, \(offset));")
                    continue
                }
                carried /= 2
                lines.append("  {")
                lines.append("    const bool upper = (lane & \(offset)) != 0;")
                for j in 0..<carried {
                    lines.append("    v\(j) = (upper ? v\(j + carried) : v\(j)) + "
                        + "__shfl_xor_sync(0xffffffffu, upper ? v\(j) : v\(j + carried), \(offset));")
                }
                lines.append("  }")
            }
            // Lane l now carries value (l >> (5 − log2 width)) & (width − 1); lanes differing in the low bits agree.
            let shift = 5 - width.trailingZeroBitCount
            lines.append("  const int j = (lane >> \(shift)) & \(width - 1);")
            let target = store(first == 0 ? "j" : "j + \(first)")
            lines.append("  if ((lane & \((1 << shift) - 1)) == 0 && j < \(group.count)) \(target) = v0;")
            lines.append("}")
        }
        return lines
    }
}
