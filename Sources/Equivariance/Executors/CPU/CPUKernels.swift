// SwiftMACE, MIT licence.
// The CPU executor's loops over a CPUPlan: layout transposes, per-output passes scheduled by the output's
// indexing (items, receiver-sorted rows, or fixed chunks summed in order), and the per-item path kernels.

import Tensors

/// Item → row of one operand buffer, read through the index without materialising a gathered copy.
struct OperandRows<T> {
    let base: UnsafeMutablePointer<T>
    let size: Int
    /// 0 batched, 1 shared, 2 indexed.
    let kind: Int
    let index: UnsafePointer<Int>?

    @inline(__always) func rowIndex(_ item: Int) -> Int {
        switch kind {
        case 0: item
        case 1: 0
        default: index.unsafelyUnwrapped[item]
        }
    }

    @inline(__always) func row(_ item: Int) -> UnsafeMutablePointer<T> { base + rowIndex(item) &* size }
}

/// Per-thread scratch vectors for one pass.
struct KernelScratch<T: ChannelScalar> {
    let ones: UnsafeMutablePointer<T>
    let pre: UnsafeMutablePointer<T>
    let product: UnsafeMutablePointer<T>
    let groupValues: UnsafeMutablePointer<T>
    let rows: UnsafeMutablePointer<UnsafeMutablePointer<T>>

    init(extent: Int, groups: Int, factors: Int) {
        ones = .allocate(capacity: max(extent, 1))
        ones.initialize(repeating: 1, count: max(extent, 1))
        pre = .allocate(capacity: max(extent, 1))
        product = .allocate(capacity: max(extent, 1))
        groupValues = .allocate(capacity: max(groups, 1))
        rows = .allocate(capacity: max(factors, 1))
    }

    func deallocate() {
        ones.deallocate()
        pre.deallocate()
        product.deallocate()
        groupValues.deallocate()
        rows.deallocate()
    }
}

/// Owns the flat buffers a pass kernel points into; freed with the kernel.
final class FlatStorage: @unchecked Sendable {
    private var blocks: [UnsafeMutableRawPointer] = []

    private var objects: [AnyObject] = []

    /// Keeps `object` (e.g. a cached table the kernel points into) alive as long as this storage.
    func retain(_ object: AnyObject) { objects.append(object) }

    func copy<E>(_ values: [E]) -> UnsafePointer<E> {
        let pointer = UnsafeMutablePointer<E>.allocate(capacity: max(values.count, 1))
        pointer.initialize(from: values, count: values.count)
        blocks.append(UnsafeMutableRawPointer(pointer))
        return UnsafePointer(pointer)
    }

    deinit { blocks.forEach { $0.deallocate() } }
}

/// A ``CPUPlan/UniformPath`` as raw pointers and counts (no reference counting in the item loop), with its
/// coefficients in the element type.
struct FlatPath<T> {
    let extent: Int
    let outputHasChannel: Bool
    let constantCount: Int
    let constantFactors: UnsafePointer<Int>
    let constantOffsets: UnsafePointer<Int>
    let varyingCount: Int
    let varyingFactors: UnsafePointer<Int>
    let scalarCount: Int
    let scalarFactors: UnsafePointer<Int>
    let groupCount: Int
    let groupOffsets: UnsafePointer<Int>
    let groupOutput: UnsafePointer<Int>
    let constants: UnsafePointer<T>
    let coefficientStart: UnsafePointer<Int>
    let values: UnsafePointer<T>
    let coefficientScalarOffsets: UnsafePointer<Int>
    let coefficientOutput: UnsafePointer<Int>

    init(_ path: CPUPlan.UniformPath, _ storage: FlatStorage) where T: BinaryFloatingPoint {
        extent = path.extent
        outputHasChannel = path.outputHasChannel
        constantCount = path.constantFactors.count
        constantFactors = storage.copy(path.constantFactors)
        constantOffsets = storage.copy(path.constantOffsets)
        varyingCount = path.varyingFactors.count
        varyingFactors = storage.copy(path.varyingFactors)
        scalarCount = path.scalarFactors.count
        scalarFactors = storage.copy(path.scalarFactors)
        groupCount = path.groupCount
        groupOffsets = storage.copy(path.groupOffsets)
        groupOutput = storage.copy(path.groupOutput)
        constants = storage.copy(path.groupConstant.map { T($0) })
        coefficientStart = storage.copy(path.coefficientStart)
        values = storage.copy(path.coefficientValue.map { T($0) })
        coefficientScalarOffsets = storage.copy(path.coefficientScalarOffsets)
        coefficientOutput = storage.copy(path.coefficientOutput)
    }
}

/// A ``CPUPlan/MergedTerm`` with its coefficients pre-contracted with the weight rows the batch reads (reused from
/// the term's ``PrecontractionCache`` while those rows are unchanged).
struct FlatMerged<T> {
    let weightInput: Int
    let extent: Int
    let keyCount: Int
    let varyingCount: Int
    let varyingFactors: UnsafePointer<Int>
    let keyOffsets: UnsafePointer<Int>
    let keyOutput: UnsafePointer<Int>
    /// `[weight rows, keyCount, extent]`.
    let coefficients: UnsafePointer<T>

    /// - Parameter usedRows: the weight rows some item reads (the elements present); only those are contracted.
    init(
        _ merged: CPUPlan.MergedTerm, weightInput: Int, weights: OperandRows<T>, rows: Int, usedRows: [Int],
        _ storage: FlatStorage
    ) where T: ChannelScalar {
        self.weightInput = weightInput
        extent = merged.extent
        keyCount = merged.keyCount
        varyingCount = merged.varyingFactors.count
        varyingFactors = storage.copy(merged.varyingFactors)
        keyOffsets = storage.copy(merged.keyOffsets)
        keyOutput = storage.copy(merged.keyOutput)
        let tableSize = rows * merged.keyCount * merged.extent
        if let cached = merged.tables.lookup(T.self, weights: weights, rows: rows, usedRows: usedRows) {
            storage.retain(cached)
            coefficients = UnsafePointer(cached.values)
            return
        }
        let table = PrecontractedTable<T>(count: tableSize, weights: weights, rows: rows, usedRows: usedRows)
        let base = table.values
        let work = { (index: Int) in
            let r = usedRows[index]
            let w = UnsafePointer(weights.base + r * weights.size)
            let c = base + r * merged.keyCount * merged.extent
            for (n, key) in merged.contributionKey.enumerated() {
                ChannelLoops.add(merged.extent, T(merged.contributionValue[n]),
                                 w + merged.contributionWeightOffset[n], into: c + key * merged.extent)
            }
        }
        if usedRows.count > 1 && merged.contributionKey.count * merged.extent >= 1 << 14 {
            Parallel.perform(iterations: usedRows.count, work)
        } else {
            for index in usedRows.indices { work(index) }
        }
        merged.tables.store(table)
        storage.retain(table)
        coefficients = UnsafePointer(base)
    }
}

/// The terms of one output pass, flattened for the item loop.
struct PassKernel<T: ChannelScalar> {
    let inputs: UnsafePointer<OperandRows<T>>
    let storage = FlatStorage()
    /// Uniform terms: factors `factorStart[t]..<factorStart[t+1]` of `factors`, paths `pathStart[t]..<…`.
    let termCount: Int
    let factorStart: UnsafePointer<Int>
    let factors: UnsafePointer<Int>
    let pathStart: UnsafePointer<Int>
    let paths: UnsafePointer<FlatPath<T>>
    /// Per uniform term, its pre-contracted form when that is cheaper for this batch.
    let merged: UnsafePointer<FlatMerged<T>?>
    let genericTerms: [CPUPlan.GenericTerm]
    let genericValues: [[[T]]]
    let maxExtent: Int
    let maxGroups: Int
    let maxFactors: Int

    init(pass: CPUPlan.Pass, inputs: [OperandRows<T>], rules: [BatchIndexing], batchSize: Int) {
        self.inputs = storage.copy(inputs)
        let terms = pass.uniformTerms
        termCount = terms.count
        factorStart = storage.copy(terms.reduce(into: [0]) { $0.append($0.last! + $1.factors.count) })
        factors = storage.copy(terms.flatMap(\.factors))
        pathStart = storage.copy(terms.reduce(into: [0]) { $0.append($0.last! + $1.paths.count) })
        let storage = storage
        paths = storage.copy(terms.flatMap { $0.paths.map { FlatPath<T>($0, storage) } })
        merged = storage.copy(terms.map { term -> FlatMerged<T>? in
            guard let form = term.merged else { return nil }
            let weightInput = term.factors[form.weightFactor]
            let rule = rules[weightInput]
            if case .batched = rule { return nil }
            // Pre-contraction costs used rows × contributions; it saves batch × (contributions − keys).
            let rows = rule.rowCount(batchSize: batchSize)
            let usedRows = rule.usedRows(batchSize: batchSize)
            guard usedRows.count * form.unmergedGroupCount + batchSize * form.keyCount
                < batchSize * form.unmergedGroupCount
            else { return nil }
            return FlatMerged(form, weightInput: weightInput, weights: inputs[weightInput], rows: rows,
                              usedRows: usedRows, storage)
        })
        genericTerms = pass.genericTerms
        genericValues = pass.genericTerms.map { $0.paths.map { $0.coefficientValue.map { T($0) } } }
        let uniformPaths = terms.flatMap(\.paths)
        maxExtent = uniformPaths.map(\.extent).max() ?? 1
        maxGroups = uniformPaths.map(\.groupCount).max() ?? 1
        maxFactors = (terms.map(\.factors.count) + pass.genericTerms.map(\.factors.count)).max() ?? 1
    }

    func makeScratch() -> KernelScratch<T> { KernelScratch(extent: maxExtent, groups: maxGroups, factors: maxFactors) }

    /// Adds item `item`'s contribution of every term into the output row `out`.
    @inline(__always)
    func add(item: Int, into out: UnsafeMutablePointer<T>, _ scratch: KernelScratch<T>) {
        for t in 0..<termCount {
            for n in factorStart[t]..<factorStart[t + 1] {
                scratch.rows[n - factorStart[t]] = inputs[factors[n]].row(item)
            }
            if let form = merged[t] {
                addMerged(form, item: item, into: out, scratch)
            } else {
                for p in pathStart[t]..<pathStart[t + 1] { addUniform(paths[p], into: out, scratch) }
            }
        }
        for (t, term) in genericTerms.enumerated() {
            for (n, input) in term.factors.enumerated() { scratch.rows[n] = inputs[input].row(item) }
            for (p, path) in term.paths.enumerated() {
                addGeneric(path, values: genericValues[t][p], factorCount: term.factors.count, into: out, scratch)
            }
        }
    }

    @inline(__always)
    private func addUniform(_ path: FlatPath<T>, into out: UnsafeMutablePointer<T>, _ scratch: KernelScratch<T>) {
        let extent = path.extent
        let rows = scratch.rows
        // The product of the path-constant channel factors (the conv's radial weight row, the contraction's W_k).
        var pre = UnsafePointer(scratch.ones)
        if path.constantCount == 1 {
            pre = UnsafePointer(rows[path.constantFactors[0]] + path.constantOffsets[0])
        } else if path.constantCount > 1 {
            let first = rows[path.constantFactors[0]] + path.constantOffsets[0]
            let second = rows[path.constantFactors[1]] + path.constantOffsets[1]
            ChannelLoops.multiply(extent, first, second, into: scratch.pre)
            for c in 2..<path.constantCount {
                let x = rows[path.constantFactors[c]] + path.constantOffsets[c]
                ChannelLoops.multiply(extent, scratch.pre, x, into: scratch.pre)
            }
            pre = UnsafePointer(scratch.pre)
        }
        let varying = path.varyingCount
        let scalarCount = path.scalarCount
        if !path.outputHasChannel {
            addChannelSums(path, pre: pre, into: out, scratch)
            return
        }
        // Group scalars: constants, or Σ c · Π scalar factors of this item (CG·Y of the conv).
        let a = scratch.groupValues
        if scalarCount == 0 {
            for g in 0..<path.groupCount { a[g] = path.constants[g] }
        } else {
            var position = 0
            for g in 0..<path.groupCount {
                var sum: T = 0
                for c in path.coefficientStart[g]..<path.coefficientStart[g + 1] {
                    var term = path.values[c]
                    for s in 0..<scalarCount {
                        term *= rows[path.scalarFactors[s]][path.coefficientScalarOffsets[position]]
                        position += 1
                    }
                    sum += term
                }
                a[g] = sum
            }
        }
        for g in 0..<path.groupCount {
            let scale = a[g]
            if scale == 0 { continue }
            let target = out + path.groupOutput[g]
            let offsets = g * varying
            @inline(__always) func row(_ v: Int) -> UnsafePointer<T> {
                UnsafePointer(rows[path.varyingFactors[v]] + path.groupOffsets[offsets + v])
            }
            switch varying {
            case 0: ChannelLoops.add(extent, scale, pre, into: target)
            case 1: ChannelLoops.add(extent, scale, pre, row(0), into: target)
            case 2: ChannelLoops.add(extent, scale, pre, row(0), row(1), into: target)
            case 3: ChannelLoops.add(extent, scale, pre, row(0), row(1), row(2), into: target)
            default:
                ChannelLoops.multiply(extent, pre, row(0), into: scratch.product)
                for v in 1..<(varying - 1) { ChannelLoops.multiply(extent, scratch.product, row(v), into: scratch.product) }
                ChannelLoops.add(extent, scale, scratch.product, row(varying - 1), into: target)
            }
        }
    }

    @inline(__always)
    private func addMerged(_ form: FlatMerged<T>, item: Int, into out: UnsafeMutablePointer<T>, _ scratch: KernelScratch<T>) {
        let extent = form.extent
        let varying = form.varyingCount
        let rows = scratch.rows
        let table = form.coefficients + inputs[form.weightInput].rowIndex(item) * form.keyCount * extent
        for key in 0..<form.keyCount {
            let c = table + key * extent
            let target = out + form.keyOutput[key]
            let offsets = key * varying
            @inline(__always) func row(_ v: Int) -> UnsafePointer<T> {
                UnsafePointer(rows[form.varyingFactors[v]] + form.keyOffsets[offsets + v])
            }
            switch varying {
            case 0: ChannelLoops.add(extent, 1, c, into: target)
            case 1: ChannelLoops.add(extent, 1, c, row(0), into: target)
            case 2: ChannelLoops.add(extent, 1, c, row(0), row(1), into: target)
            case 3: ChannelLoops.add(extent, 1, c, row(0), row(1), row(2), into: target)
            default:
                ChannelLoops.multiply(extent, c, row(0), into: scratch.product)
                for v in 1..<(varying - 1) { ChannelLoops.multiply(extent, scratch.product, row(v), into: scratch.product) }
                ChannelLoops.add(extent, 1, scratch.product, row(varying - 1), into: target)
            }
        }
    }

    /// Paths whose output has no channel mode: one channel sum per group, distributed by the coefficients.
    @inline(__always)
    private func addChannelSums(
        _ path: FlatPath<T>, pre: UnsafePointer<T>, into out: UnsafeMutablePointer<T>, _ scratch: KernelScratch<T>
    ) {
        let extent = path.extent
        let rows = scratch.rows
        let varying = path.varyingCount
        let scalarCount = path.scalarCount
        for g in 0..<path.groupCount {
            let offsets = g * varying
            @inline(__always) func row(_ v: Int) -> UnsafePointer<T> {
                UnsafePointer(rows[path.varyingFactors[v]] + path.groupOffsets[offsets + v])
            }
            let sum: T
            switch varying {
            case 0: sum = ChannelLoops.dot(extent, pre, scratch.ones)
            case 1: sum = ChannelLoops.dot(extent, pre, row(0))
            default:
                ChannelLoops.multiply(extent, pre, row(0), into: scratch.product)
                for v in 2..<varying { ChannelLoops.multiply(extent, scratch.product, row(v), into: scratch.product) }
                sum = ChannelLoops.dot(extent, scratch.product, row(1))
            }
            for c in path.coefficientStart[g]..<path.coefficientStart[g + 1] {
                var term = path.values[c] * sum
                for s in 0..<scalarCount {
                    term *= rows[path.scalarFactors[s]][path.coefficientScalarOffsets[c * scalarCount + s]]
                }
                out[path.coefficientOutput[c]] += term
            }
        }
    }

    @inline(__always)
    private func addGeneric(
        _ path: CPUPlan.GenericPath, values: [T], factorCount: Int, into out: UnsafeMutablePointer<T>,
        _ scratch: KernelScratch<T>
    ) {
        let count = path.operandCount
        path.assignmentOffsets.withUnsafeBufferPointer { table in
            path.coefficientOffsets.withUnsafeBufferPointer { bases in
                for c in 0..<values.count {
                    let base = c * count
                    for assignment in 0..<path.assignmentCount {
                        let row = assignment * count
                        var product = values[c]
                        for n in 0..<factorCount { product *= scratch.rows[n][bases[base + n] + table[row + n]] }
                        out[bases[base + factorCount] + table[row + factorCount]] += product
                    }
                }
            }
        }
    }
}

enum CPUKernels {
    /// Evaluates `plan` into zeroed mul_ir `outputs`; `inputs` are mul_ir. Buffers and indices are checked.
    static func run<T: ChannelScalar>(
        _ plan: CPUPlan, _ polynomial: EquivariantPolynomial, batchSize: Int, indexing: OperandIndexing,
        inputs: [UnsafePointer<T>], outputs: [UnsafeMutablePointer<T>]
    ) {
        var temporaries: [UnsafeMutablePointer<T>] = []
        var indexCopies: [UnsafeMutablePointer<Int>] = []
        defer {
            temporaries.forEach { $0.deallocate() }
            indexCopies.forEach { $0.deallocate() }
        }
        func rows(_ rule: BatchIndexing, _ base: UnsafeMutablePointer<T>, _ size: Int) -> OperandRows<T> {
            switch rule {
            case .batched: return OperandRows(base: base, size: size, kind: 0, index: nil)
            case .shared: return OperandRows(base: base, size: size, kind: 1, index: nil)
            case .indexed(let index, _):
                let copy = UnsafeMutablePointer<Int>.allocate(capacity: max(index.count, 1))
                copy.initialize(from: index, count: index.count)
                indexCopies.append(copy)
                return OperandRows(base: base, size: size, kind: 2, index: UnsafePointer(copy))
            }
        }
        var inputRows: [OperandRows<T>] = []
        for (n, operand) in polynomial.inputs.enumerated() {
            let rule = indexing.inputs[n]
            var base = UnsafeMutablePointer(mutating: inputs[n])
            if plan.transposedInputs[n] {
                let count = rule.rowCount(batchSize: batchSize)
                let copy = UnsafeMutablePointer<T>.allocate(capacity: max(count * operand.size, 1))
                temporaries.append(copy)
                transpose(UnsafePointer(base), into: copy, rows: count, segments: operand.segments, toChannelsLast: true)
                base = copy
            }
            inputRows.append(rows(rule, base, operand.size))
        }
        for pass in plan.passes where !(pass.uniformTerms.isEmpty && pass.genericTerms.isEmpty) {
            let operand = polynomial.outputs[pass.output]
            let rule = indexing.outputs[pass.output]
            let rowCount = rule.rowCount(batchSize: batchSize)
            var out = outputs[pass.output]
            if plan.transposedOutputs[pass.output] {
                out = .allocate(capacity: max(rowCount * operand.size, 1))
                out.initialize(repeating: 0, count: rowCount * operand.size)
                temporaries.append(out)
            }
            let kernel = PassKernel(pass: pass, inputs: inputRows, rules: indexing.inputs, batchSize: batchSize)
            let work = max(1, plan.flopsPerItem / max(polynomial.outputs.count, 1))
            schedule(kernel, rule, batchSize: batchSize, size: operand.size, out: out, work: work)
            if plan.transposedOutputs[pass.output] {
                transpose(UnsafePointer(out), into: outputs[pass.output], rows: rowCount, segments: operand.segments,
                          toChannelsLast: false)
            }
        }
    }

    /// Runs one pass in the order its output indexing allows without races.
    private static func schedule<T: ChannelScalar>(
        _ kernel: PassKernel<T>, _ rule: BatchIndexing, batchSize: Int, size: Int, out: UnsafeMutablePointer<T>,
        work: Int
    ) {
        switch rule {
        case .batched:
            Parallel.forEachChunk(batchSize, workPerItem: work, minimumWork: 1 << 16) { range in
                let scratch = kernel.makeScratch()
                defer { scratch.deallocate() }
                for item in range { kernel.add(item: item, into: out + item * size, scratch) }
            }
        case .indexed(let index, let rows) where rows < 16 && batchSize >= 256:
            // Few rows for many items (weights selected by element): rows would leave cores idle, so items are
            // summed in fixed chunks into private rows, then the chunks in order.
            summedInChunks(kernel, batchSize: batchSize, rows: rows, size: size, out: out) { index[$0] }
        case .indexed(let index, let rows):
            let segments = RowSegments(index: index, rows: rows)
            segments.start.withUnsafeBufferPointer { start in
                segments.items.withUnsafeBufferPointer { items in
                    Parallel.forEachChunk(rows, workPerItem: work * max(1, batchSize / max(rows, 1)), minimumWork: 1 << 16) { range in
                        let scratch = kernel.makeScratch()
                        defer { scratch.deallocate() }
                        for row in range {
                            for position in start[row]..<start[row + 1] {
                                kernel.add(item: items[position], into: out + row * size, scratch)
                            }
                        }
                    }
                }
            }
        case .shared:
            summedInChunks(kernel, batchSize: batchSize, rows: 1, size: size, out: out) { _ in 0 }
        }
    }

    /// Items in 64 fixed chunks (not one per core, so the summation order, hence the result, is fixed), each
    /// chunk adding into its own copy of the output rows, then the copies summed in chunk order.
    private static func summedInChunks<T: ChannelScalar>(
        _ kernel: PassKernel<T>, batchSize: Int, rows: Int, size: Int, out: UnsafeMutablePointer<T>,
        row: (Int) -> Int
    ) {
        let chunks = min(batchSize, 64)
        guard chunks > 0 else { return }
        let block = rows * size
        let partials = UnsafeMutablePointer<T>.allocate(capacity: chunks * block)
        partials.initialize(repeating: 0, count: chunks * block)
        defer { partials.deallocate() }
        Parallel.perform(iterations: chunks) { chunk in
            let scratch = kernel.makeScratch()
            defer { scratch.deallocate() }
            for item in (batchSize * chunk / chunks)..<(batchSize * (chunk + 1) / chunks) {
                kernel.add(item: item, into: partials + chunk * block + row(item) * size, scratch)
            }
        }
        for chunk in 0..<chunks {
            for k in 0..<block { out[k] += partials[chunk * block + k] }
        }
    }

    /// Converts every `[mul, d]` block of `rows` rows between mul_ir and ir_mul (`toChannelsLast`: to `[d, mul]`).
    static func transpose<T>(
        _ source: UnsafePointer<T>, into destination: UnsafeMutablePointer<T>, rows: Int, segments: [[Int]],
        toChannelsLast: Bool
    ) {
        let offsets = PolynomialOperand(name: "", segments: segments).segmentOffsets
        let size = segments.reduce(0) { $0 + $1.reduce(1, *) }
        Parallel.forEachChunk(rows, workPerItem: size, minimumWork: 1 << 16) { range in
            for row in range {
                let from = source + row * size
                let to = destination + row * size
                for (segment, offset) in zip(segments, offsets) {
                    let count = segment.reduce(1, *)
                    guard segment.count == 2, segment[0] > 1, segment[1] > 1 else {
                        (to + offset).update(from: from + offset, count: count)
                        continue
                    }
                    let (mul, d) = (segment[0], segment[1])
                    for u in 0..<mul {
                        for i in 0..<d {
                            if toChannelsLast {
                                to[offset + i * mul + u] = from[offset + u * d + i]
                            } else {
                                to[offset + u * d + i] = from[offset + i * mul + u]
                            }
                        }
                    }
                }
            }
        }
    }
}
