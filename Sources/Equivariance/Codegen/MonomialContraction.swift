// SwiftMACE, MIT licence.
// MonomialContraction: a symmetric-contraction polynomial rewritten as element-specific coefficients of sorted
// monomials of x (Symmetrix's pre-contraction, KERNELS.md §2.7): B[o] = Σ_slots coef[element, slot] · x_i x_j x_k.

/// The monomial form of a polynomial whose terms are `W · x ⋯ x → B` (``SymmetricContractionDescriptor``): each
/// term's first factor is a weight operand with `[C, 1]` segments (selected per node by element), the others the
/// same feature operand `x`, all with one shared channel mode.
///
/// A slot is one (output component, sorted monomial) pair; its coefficient per element and channel is
/// `Σ c · W[element][k·C + u]` over the description's coefficients that land on it, so permutations of the
/// repeated x and all weight columns k fold into one number (``coefficientTable(weights:elementCount:)``).
/// Monomials form a tree (a monomial's parent drops its last factor); ``monomials`` lists it depth-first, so
/// generated code computes each as parent × x and keeps few values live.
public struct MonomialContraction: Sendable, Hashable {
    /// One (output component, monomial) pair and the weight entries that sum into its coefficient.
    public struct Slot: Sendable, Hashable {
        /// Output component (ir_mul row of B).
        public let output: Int
        /// Index into ``MonomialContraction/monomials``.
        public let monomial: Int
        /// `(weight input, k, value)`: the coefficient gains `value · W_input[element][k·C + u]`.
        public let contributions: [Contribution]
    }

    public struct Contribution: Sendable, Hashable {
        public let weightInput: Int
        public let column: Int
        public let value: Double
    }

    /// One weight column: entries `W_input[element][column·C + u]`, u < C.
    public struct WeightColumn: Sendable, Hashable {
        /// The polynomial input holding the weights.
        public let input: Int
        /// The column k (the `[C, 1]` segment) within that input.
        public let column: Int

        public init(input: Int, column: Int) {
            self.input = input
            self.column = column
        }
    }

    /// Channels C.
    public let channels: Int
    /// The polynomial input holding x.
    public let featureInput: Int
    /// Components of x and of B per channel.
    public let inputComponents: Int
    public let outputComponents: Int
    /// Sorted component lists of x, depth-first (every prefix of a monomial is listed before it).
    public let monomials: [[Int]]
    /// Slots in monomial order, then by output component: the row order of the coefficient table.
    public let slots: [Slot]

    /// - Throws: `EquivarianceError.unsupported` naming the term that is not `W · x ⋯ x → B` with one channel.
    public init(_ polynomial: EquivariantPolynomial) throws {
        guard let feature = polynomial.terms.first?.inputs.last, polynomial.outputs.count == 1 else {
            throw EquivarianceError.unsupported("'\(polynomial.name)' has no terms or several outputs")
        }
        let x = polynomial.inputs[feature]
        let out = polynomial.outputs[0]
        let channels = x.segments.first?.first ?? 0
        func components(_ operand: PolynomialOperand) -> [Int]? {
            guard operand.segments.allSatisfy({ $0.count == 2 && $0[0] == channels }) else { return nil }
            var start = 0
            return operand.segments.map { shape in
                defer { start += shape[1] }
                return start
            }
        }
        guard let xStarts = components(x), let outStarts = components(out) else {
            throw EquivarianceError.unsupported(
                "'\(polynomial.name)': x and the output need [C, d] segments with one C; got \(x.segments) and "
                    + "\(out.segments)")
        }
        var sums: [[Int]: [Int: [Contribution]]] = [:]
        for (t, term) in polynomial.terms.enumerated() {
            let weight = term.inputs.first ?? feature
            guard term.inputs.count >= 2, weight != feature, term.inputs.dropFirst().allSatisfy({ $0 == feature }),
                term.modes.allSatisfy({ $0 == "u" }),
                polynomial.inputs[weight].segments.allSatisfy({ $0 == [channels, 1] })
            else {
                throw EquivarianceError.unsupported(
                    "'\(polynomial.name)' term \(t) is not W·x⋯x -> B with one channel mode u and [C, 1] weights")
            }
            for path in term.paths {
                let degree = term.inputs.count - 1
                for coefficient in path.coefficients {
                    let monomial = (1...degree).map { xStarts[path.segments[$0]] + coefficient.indices[$0] }.sorted()
                    let output = outStarts[path.segments[degree + 1]] + coefficient.indices[degree + 1]
                    sums[monomial, default: [:]][output, default: []].append(
                        Contribution(weightInput: weight, column: path.segments[0], value: coefficient.value))
                }
            }
        }
        // Depth-first order: sorting lists lexicographically puts every prefix right before its extensions.
        var all = Set<[Int]>()
        for monomial in sums.keys {
            for length in 1...monomial.count { all.insert(Array(monomial.prefix(length))) }
        }
        let ordered = all.sorted { $0.lexicographicallyPrecedes($1) }
        let index = Dictionary(uniqueKeysWithValues: ordered.enumerated().map { ($0.element, $0.offset) })
        var slots: [Slot] = []
        for monomial in ordered {
            guard let byOutput = sums[monomial], let m = index[monomial] else { continue }
            for output in byOutput.keys.sorted() {
                slots.append(Slot(output: output, monomial: m, contributions: byOutput[output] ?? []))
            }
        }
        self.channels = channels
        self.featureInput = feature
        self.inputComponents = x.size / max(channels, 1)
        self.outputComponents = out.size / max(channels, 1)
        self.monomials = ordered
        self.slots = slots
    }

    /// Every weight column some slot's coefficient sums, by input then column: the row order of the weight
    /// gradient of ``SymmetricContractionKernelSource/dualWeightGradient`` (`[nodes, weightColumns.count, C]`).
    public var weightColumns: [WeightColumn] {
        let columns = Set(
            slots.flatMap { $0.contributions.map { WeightColumn(input: $0.weightInput, column: $0.column) } })
        return columns.sorted { ($0.input, $0.column) < ($1.input, $1.column) }
    }

    /// The coefficient table `[elementCount, slots.count, C]` (channels contiguous) from the weight buffers.
    /// - Parameter weights: one buffer per polynomial input, `[elementCount, input.size]` for the weight inputs
    ///   (the feature input's entry is ignored).
    /// - Throws: `EquivarianceError.shapeMismatch` for a weight buffer of the wrong length or a non-finite value.
    public func coefficientTable(weights: [[Double]], elementCount: Int) throws -> [Double] {
        let used = Set(slots.flatMap { $0.contributions.map(\.weightInput) })
        for input in used.sorted() {
            guard weights.indices.contains(input) else {
                throw EquivarianceError.shapeMismatch("no weight buffer for input \(input)")
            }
            let rows = elementCount
            guard rows > 0, weights[input].count % rows == 0, weights[input].allSatisfy(\.isFinite) else {
                throw EquivarianceError.shapeMismatch(
                    "weight input \(input) has \(weights[input].count) values; expected \(rows) finite rows")
            }
        }
        var table = [Double](repeating: 0, count: elementCount * slots.count * channels)
        for element in 0..<elementCount {
            for (s, slot) in slots.enumerated() {
                let base = (element * slots.count + s) * channels
                for entry in slot.contributions {
                    let buffer = weights[entry.weightInput]
                    let row = element * (buffer.count / elementCount) + entry.column * channels
                    for u in 0..<channels { table[base + u] += entry.value * buffer[row + u] }
                }
            }
        }
        return table
    }
}
