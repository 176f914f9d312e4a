// SwiftMACE, MIT licence.
// CPUPlan: an EquivariantPolynomial compiled once into flat arrays (offsets, coefficients, groups) for the
// CPUExecutor's loops; no dictionaries or allocations are left for the inner loops.

/// The compiled form of one polynomial.
///
/// When every term is "uniform 1d" (the conv, the symmetric contraction and all their derivatives), operands whose
/// segments are `[mul, 2l+1]` blocks are read and written in the ir_mul layout (`[2l+1, mul]`, channels
/// contiguous) so the channel loop runs over consecutive memory; the executor transposes those buffers once per
/// call. Other polynomials (linears, skip_tp) run the generic path on the mul_ir buffers.
struct CPUPlan: Sendable {
    /// Per input and output: whether the executor holds it in the ir_mul layout.
    let transposedInputs: [Bool]
    let transposedOutputs: [Bool]
    /// One pass per output: the terms that add into it.
    let passes: [Pass]
    /// Naive FLOP per batch item (for deciding when to run in parallel).
    let flopsPerItem: Int

    struct Pass: Sendable {
        let output: Int
        let uniformTerms: [UniformTerm]
        let genericTerms: [GenericTerm]
    }

    /// A uniform-1d term: every path multiplies channel vectors element-wise.
    struct UniformTerm: Sendable {
        /// Input index of each factor.
        let factors: [Int]
        let paths: [UniformPath]
        /// The term with its paths merged over one shared weight factor, when its form allows it.
        let merged: MergedTerm?
    }

    /// A uniform term whose every path multiplies one constant weight row `W[k]` (a different k per path) with the
    /// same varying factors and no scalar factors, e.g. the symmetric contraction `W_k · x ⊗ x ⊗ x` and its
    /// gradient with respect to x. Per row r of the weight buffer (one per element) the executor pre-contracts
    /// `C[r][key][u] = Σ_(paths, groups → key) A · W[r][k][u]` once per call, so each item adds one product per
    /// distinct monomial key instead of one per (k, monomial) (Symmetrix's per-element monomial coefficients,
    /// KERNELS.md §2.7, derived from the description).
    struct MergedTerm: Sendable {
        /// Factor position of the weight.
        let weightFactor: Int
        /// The other channel factors, whose rows make a key with the output row.
        let varyingFactors: [Int]
        let extent: Int
        let keyCount: Int
        /// `[keyCount, varyingFactors.count]` row offsets and the output row offset of each key.
        let keyOffsets: [Int]
        let keyOutput: [Int]
        /// One entry per (path, group): the key it adds to, the offset of its weight row, its constant.
        let contributionKey: [Int]
        let contributionWeightOffset: [Int]
        let contributionValue: [Double]
        /// Σ over paths of their group counts: the per-item products without merging.
        let unmergedGroupCount: Int
        /// The last table pre-contracted for this term, reused while the weights are unchanged (inference).
        let tables = PrecontractionCache()

        init?(_ factors: [Int], _ paths: [UniformPath]) {
            guard let first = paths.first,
                paths.allSatisfy({ $0.outputHasChannel && $0.scalarFactors.isEmpty && $0.extent == first.extent })
            else { return nil }
            // The weight: the first factor at a fixed row in every path. The other channel factors become the
            // key's rows (fixed in some paths, e.g. x's 0e block, varying in others).
            guard let weight = first.constantFactors.first(where: { n in paths.allSatisfy { $0.constantFactors.contains(n) } })
            else { return nil }
            let others = (first.constantFactors + first.varyingFactors).filter { $0 != weight }.sorted()
            let sameInput = Dictionary(grouping: others.indices, by: { factors[others[$0]] }).values.filter { $0.count > 1 }
            var keyIndex: [[Int]: Int] = [:]
            var keyOffsets: [Int] = []
            var keyOutput: [Int] = []
            var contributionKey: [Int] = []
            var contributionWeightOffset: [Int] = []
            var contributionValue: [Double] = []
            for path in paths {
                let varying = path.varyingFactors.count
                for g in 0..<path.groupCount {
                    var rows = others.map { n in
                        if let v = path.varyingFactors.firstIndex(of: n) { return path.groupOffsets[g * varying + v] }
                        return path.constantOffsets[path.constantFactors.firstIndex(of: n) ?? 0]
                    }
                    for positions in sameInput {
                        for (position, row) in zip(positions.sorted(), positions.map { rows[$0] }.sorted()) {
                            rows[position] = row
                        }
                    }
                    let key = rows + [path.groupOutput[g]]
                    let index = keyIndex[key] ?? keyOutput.count
                    if index == keyOutput.count {
                        keyIndex[key] = index
                        keyOffsets += rows
                        keyOutput.append(path.groupOutput[g])
                    }
                    contributionKey.append(index)
                    contributionWeightOffset.append(path.constantOffsets[path.constantFactors.firstIndex(of: weight) ?? 0])
                    contributionValue.append(path.groupConstant[g])
                }
            }
            weightFactor = weight
            varyingFactors = others
            extent = first.extent
            keyCount = keyOutput.count
            self.keyOffsets = keyOffsets
            self.keyOutput = keyOutput
            self.contributionKey = contributionKey
            self.contributionWeightOffset = contributionWeightOffset
            self.contributionValue = contributionValue
            unmergedGroupCount = contributionKey.count
        }
    }

    /// One path of a uniform term with its coefficients grouped by the channel rows they touch:
    /// `out[group] (+)= A_group · Π_const x[u] · Π_varying x[group][u]`, with
    /// `A_group = Σ_coefficients c · Π_scalar-factors s` evaluated per item when the term has scalar factors
    /// (the conv's CG·Y, KERNELS.md §2.4), a constant otherwise. When the output has no channel mode (the
    /// gradient of the conv's spherical harmonics) each group's channel sum is formed once and every coefficient
    /// adds `c · Π scalars · sum` into its own output element.
    struct UniformPath: Sendable {
        /// The channel extent (1 when no operand has a channel mode).
        let extent: Int
        /// Whether the output has the channel mode (else the path sums over channels).
        let outputHasChannel: Bool
        /// Channel factors at the same row for every coefficient (e.g. the conv's radial weight): position in
        /// `factors` and element offset in the item's row.
        let constantFactors: [Int]
        let constantOffsets: [Int]
        /// Channel factors whose row depends on the coefficient, and scalar factors (no channel mode).
        let varyingFactors: [Int]
        let scalarFactors: [Int]
        let groupCount: Int
        /// `[groupCount, varyingFactors.count]` element offsets of the varying factors' channel rows.
        let groupOffsets: [Int]
        /// Output element offset of each group (the start of a channel row; unused for channel sums).
        let groupOutput: [Int]
        /// Per group: Σ c when there are no scalar factors.
        let groupConstant: [Double]
        /// Per group, its coefficients `coefficientStart[g]..<coefficientStart[g+1]`: value and
        /// `[scalarFactors.count]` element offsets of the scalars each multiplies.
        let coefficientStart: [Int]
        let coefficientValue: [Double]
        let coefficientScalarOffsets: [Int]
        /// Per coefficient, the output element it adds into (for channel sums, where groups span outputs).
        let coefficientOutput: [Int]
    }

    /// A term with several channel modes (`uv·u -> v`, `uvw·u·v -> w`), run on mul_ir buffers: for every
    /// coefficient and every assignment of the channel letters, one product.
    struct GenericTerm: Sendable {
        let factors: [Int]
        let paths: [GenericPath]
    }

    struct GenericPath: Sendable {
        let operandCount: Int
        let assignmentCount: Int
        /// `[assignmentCount, operandCount]` channel offsets within each operand's segment.
        let assignmentOffsets: [Int]
        let coefficientValue: [Double]
        /// `[coefficients, operandCount]`: segment offset + coefficient index, per operand.
        let coefficientOffsets: [Int]
    }

    init(_ polynomial: EquivariantPolynomial) {
        let uniform = polynomial.isUniformOneDimensional
        flopsPerItem = polynomial.flopCount(batch: 1)
        transposedInputs = polynomial.inputs.map { uniform && Self.hasBlocks($0) }
        transposedOutputs = polynomial.outputs.map { uniform && Self.hasBlocks($0) }
        passes = polynomial.outputs.indices.map { output in
            let terms = Self.joined(polynomial.terms.filter { $0.output == output })
            return Pass(
                output: output,
                uniformTerms: uniform ? terms.map { Self.uniformTerm($0, polynomial) } : [],
                genericTerms: uniform ? [] : terms.map { Self.genericTerm($0, polynomial) })
        }
    }

    /// Terms with the same factors and modes as one term with all their paths (a sum of products of the same
    /// buffers is one product's paths). A derivative of `x ⊗ x ⊗ x` has one such term per position of x; joined,
    /// their contributions share the pre-contracted monomial keys: the symmetric contraction's d/dx adds each
    /// key once instead of once per position (aspirin layer 1: 745 keys instead of 3 × 745).
    static func joined(_ terms: [PolynomialTerm]) -> [PolynomialTerm] {
        var joined: [PolynomialTerm] = []
        for term in terms {
            if let n = joined.firstIndex(where: { $0.inputs == term.inputs && $0.modes == term.modes }) {
                joined[n] = PolynomialTerm(inputs: term.inputs, output: term.output, modes: term.modes,
                                           paths: joined[n].paths + term.paths)
            } else {
                joined.append(term)
            }
        }
        return joined
    }

    /// Whether some segment is a `[mul, d]` block with mul > 1 and d > 1 (one whose layouts differ).
    static func hasBlocks(_ operand: PolynomialOperand) -> Bool {
        operand.segments.contains { $0.count == 2 && $0[0] > 1 && $0[1] > 1 }
    }

    private static func uniformTerm(_ term: PolynomialTerm, _ polynomial: EquivariantPolynomial) -> UniformTerm {
        let operands = term.inputs.map { polynomial.inputs[$0] } + [polynomial.outputs[term.output]]
        let offsets = operands.map(\.segmentOffsets)
        let factorCount = term.inputs.count
        let paths = term.paths.map { path -> UniformPath in
            let shapes = (0...factorCount).map { operands[$0].segments[path.segments[$0]] }
            let hasChannel = (0...factorCount).map { term.modes[$0].count == 1 }
            let extent = (0...factorCount).first { hasChannel[$0] }.map { shapes[$0][0] } ?? 1
            // Element offset of coefficient index `i` of operand n: a channel row (ir_mul) or a scalar.
            func offset(_ n: Int, _ i: Int) -> Int {
                offsets[n][path.segments[n]] + (hasChannel[n] ? i * extent : i)
            }
            let channelFactors = (0..<factorCount).filter { hasChannel[$0] }
            let constant = channelFactors.filter { n in
                Set(path.coefficients.map { $0.indices[n] }).count <= 1
            }
            let varying = channelFactors.filter { !constant.contains($0) }
            let scalars = (0..<factorCount).filter { !hasChannel[$0] }
            // Factors reading the same input (x in x⊗x⊗x) commute: sorting their rows merges permuted
            // coefficients into one monomial. A path whose output has no channel mode sums over channels once
            // per group and distributes the sum to its outputs, so its key leaves the output out.
            let sameInput = Dictionary(grouping: varying.indices, by: { term.inputs[varying[$0]] }).values
                .filter { $0.count > 1 }
            var groupIndex: [[Int]: Int] = [:]
            var groups: [(key: [Int], entries: [PolynomialCoefficient])] = []
            for entry in path.coefficients {
                var rows = varying.map { offset($0, entry.indices[$0]) }
                for positions in sameInput {
                    for (position, row) in zip(positions.sorted(), positions.map { rows[$0] }.sorted()) {
                        rows[position] = row
                    }
                }
                let key = rows + (hasChannel[factorCount] ? [offset(factorCount, entry.indices[factorCount])] : [])
                if let g = groupIndex[key] {
                    groups[g].entries.append(entry)
                } else {
                    groupIndex[key] = groups.count
                    groups.append((key, [entry]))
                }
            }
            var start = [0]
            var values: [Double] = []
            var scalarOffsets: [Int] = []
            var outputOffsets: [Int] = []
            for group in groups {
                for entry in group.entries {
                    values.append(entry.value)
                    scalarOffsets += scalars.map { offset($0, entry.indices[$0]) }
                    outputOffsets.append(offset(factorCount, entry.indices[factorCount]))
                }
                start.append(values.count)
            }
            let firstIndices = path.coefficients.first?.indices ?? Array(repeating: 0, count: factorCount + 1)
            return UniformPath(
                extent: extent, outputHasChannel: hasChannel[factorCount], constantFactors: constant,
                constantOffsets: constant.map { offset($0, firstIndices[$0]) }, varyingFactors: varying,
                scalarFactors: scalars, groupCount: groups.count,
                groupOffsets: groups.flatMap { $0.key.prefix(varying.count) },
                groupOutput: groups.map { hasChannel[factorCount] ? $0.key[varying.count] : 0 },
                groupConstant: groups.map { $0.entries.reduce(0) { $0 + $1.value } }, coefficientStart: start,
                coefficientValue: values, coefficientScalarOffsets: scalarOffsets, coefficientOutput: outputOffsets)
        }
        return UniformTerm(factors: term.inputs, paths: paths, merged: MergedTerm(term.inputs, paths))
    }

    private static func genericTerm(_ term: PolynomialTerm, _ polynomial: EquivariantPolynomial) -> GenericTerm {
        let operands = term.inputs.map { polynomial.inputs[$0] } + [polynomial.outputs[term.output]]
        let offsets = operands.map(\.segmentOffsets)
        let count = operands.count
        let paths = term.paths.map { path -> GenericPath in
            var letters: [Character] = []
            var extents: [Int] = []
            var strides: [[Character: Int]] = []
            for n in 0..<count {
                let shape = operands[n].segments[path.segments[n]]
                let modes = Array(term.modes[n])
                var step = shape[shape.count - 1]
                var strideOf: [Character: Int] = [:]
                for axis in stride(from: shape.count - 2, through: 0, by: -1) {
                    strideOf[modes[axis]] = step
                    if !letters.contains(modes[axis]) {
                        letters.append(modes[axis])
                        extents.append(shape[axis])
                    }
                    step *= shape[axis]
                }
                strides.append(strideOf)
            }
            let assignments = extents.reduce(1, *)
            var table = [Int](repeating: 0, count: assignments * count)
            for assignment in 0..<assignments {
                var rest = assignment
                for (letter, extent) in zip(letters, extents).reversed() {
                    let value = rest % extent
                    rest /= extent
                    for n in 0..<count { table[assignment * count + n] += value * (strides[n][letter] ?? 0) }
                }
            }
            return GenericPath(
                operandCount: count, assignmentCount: assignments, assignmentOffsets: table,
                coefficientValue: path.coefficients.map(\.value),
                coefficientOffsets: path.coefficients.flatMap { entry in
                    (0..<count).map { offsets[$0][path.segments[$0]] + entry.indices[$0] }
                })
        }
        return GenericTerm(factors: term.inputs, paths: paths)
    }
}
