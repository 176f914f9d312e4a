// SwiftMACE, MIT licence.
// FactoredConvPlan's algebra on the CPU: the factored first conv (element moments, per-path products, terms), run
// in Swift exactly as the generated kernels index it, against the conv polynomial evaluated per edge in float64.

import Equivariance
import Support
import Testing

@testable import MACECUDA

@Suite struct FactoredConvPlanTests {
    /// mace's first conv (scalar sender features, SH up to l = 3) with 4 channels, 3 elements, hidden width 5.
    static func descriptor() throws -> ChannelwiseTensorProductDescriptor {
        try ChannelwiseTensorProductDescriptor(
            irreps1: Irreps(parsing: "4x0e"), irreps2: Irreps(parsing: "1x0e+1x1o+1x2e+1x3o"),
            target: Irreps(parsing: "4x0e+4x1o+4x2e+4x3o"))
    }

    /// A small graph with random values: edges (sender, receiver), node elements, the elements' x1 rows (ir_mul),
    /// per-edge h and Y, the last layer's weight `[hidden, weights]`.
    struct Case {
        let nodes = 6, hidden = 5, elements = 3
        let senders = [0, 2, 3, 1, 4, 5, 5, 0, 3, 2, 1, 4, 0]
        let receivers = [1, 1, 1, 0, 0, 2, 3, 3, 3, 4, 5, 5, 5]
        let nodeElements = [0, 2, 1, 2, 0, 1]
        func x1(_ plan: FactoredConvPlan) -> [[Double]] {
            var g = SeededGenerator(seed: 11)
            return (0..<elements).map { _ in g.doubles(plan.x1Width) }
        }
    }

    @Test func planOfTheFirstConv() throws {
        let d = try Self.descriptor()
        let plan = try #require(FactoredConvPlan(polynomial: d.polynomial, hidden: 5, elements: 3))
        #expect(plan.channels == 4 && plan.shCount == 16 && plan.midWidth == 64 && plan.weightColumns == 16)
        // One pair per Y component (each l has one path 0e ⊗ l → l), one block per path.
        #expect(plan.pairs.count == 16 && plan.blocks.map(\.pairs.count) == [1, 3, 5, 7])
        #expect(plan.terms.count == 16)
        let tooMany = FactoredConvPlan.maxElements + 1
        #expect(FactoredConvPlan(polynomial: d.polynomial, hidden: 5, elements: tooMany) == nil)
    }

    @Test func factoredForwardAndBackwardMatchThePolynomial() throws {
        let d = try Self.descriptor()
        let p = d.polynomial
        let c = Case()
        let plan = try #require(FactoredConvPlan(polynomial: p, hidden: c.hidden, elements: c.elements))
        var g = SeededGenerator(seed: 3)
        let e = c.senders.count
        let h = (0..<e).map { _ in g.doubles(c.hidden) }
        let y = (0..<e).map { _ in g.doubles(plan.shCount) }
        let w = (0..<c.hidden).map { _ in g.doubles(plan.weightColumns) }
        let dmid = (0..<c.nodes).map { _ in g.doubles(plan.midWidth) }  // ir_mul
        let x1 = c.x1(plan)
        let edgeWeights = h.map { hq in
            (0..<plan.weightColumns).map { col in (0..<c.hidden).reduce(0) { $0 + hq[$1] * w[$1][col] } }
        }

        // The reference: the polynomial per edge (mul_ir), x1 gathered from the sender's element row.
        let x1Operand = p.inputs[1], midOperand = p.outputs[0]
        let x1MulIr = x1.flatMap { IrMulLayout.fromIrMul($0, operand: x1Operand) }
        let indexing = OperandIndexing(
            inputs: [.batched, .indexed(c.senders.map { c.nodeElements[$0] }, rows: c.elements), .batched],
            outputs: [.indexed(c.receivers, rows: c.nodes)])
        let inputs = [edgeWeights.flatMap { $0 }, x1MulIr, y.flatMap { $0 }]
        let reference = try ReferenceExecutor().evaluate(p, batchSize: e, inputs: inputs, indexing: indexing)[0]
        let referenceMid = IrMulLayout.toIrMul(reference, operand: midOperand)
        let backward = try p.backward(withRespectTo: [0, 2])
        let dmidMulIr = dmid.flatMap { IrMulLayout.fromIrMul($0, operand: midOperand) }
        let grads = try ReferenceExecutor().evaluate(
            backward, batchSize: e, inputs: inputs + [dmidMulIr], indexing: indexing.backward(withRespectTo: [0, 2]))
        let referenceDh = (0..<e).flatMap { edge in
            (0..<c.hidden).map { q in
                (0..<plan.weightColumns).reduce(0) { $0 + grads[0][edge * plan.weightColumns + $1] * w[q][$1] }
            }
        }

        // The factored chain, indexed as the kernels index it.
        let f = FactoredMirror(plan: plan, graph: c, w: w, x1: x1)
        let z = f.moments(h, y)
        let mid = f.combine(f.products(z))
        #expect(maxDifference(mid, referenceMid) <= 1e-12 * maxMagnitude(referenceMid))
        let dz = f.momentAdjoints(f.adjoints(dmid))
        let (dh, dy) = (f.inputAdjoint(y, dz), f.shAdjoint(h, dz))
        #expect(maxDifference(dh, referenceDh) <= 1e-12 * maxMagnitude(referenceDh))
        #expect(maxDifference(dy, grads[1]) <= 1e-12 * maxMagnitude(grads[1]))
    }

    /// The training pass's algebra (dual forward along Ḣ, Ẏ with no x1 tangent, then its reverse) as the training
    /// kernels index it, against the conv's dual polynomial and that polynomial's backward, per edge, in float64.
    @Test func factoredDualAndReverseMatchTheDualPolynomial() throws {
        let d = try Self.descriptor()
        let p = d.polynomial
        let c = Case()
        let plan = try #require(FactoredConvPlan(polynomial: p, hidden: c.hidden, elements: c.elements))
        var g = SeededGenerator(seed: 5)
        let (e, n, s, hid, cols) = (c.senders.count, c.nodes, c.elements, c.hidden, plan.weightColumns)
        let h = (0..<e).map { _ in g.doubles(hid) }, hDot = (0..<e).map { _ in g.doubles(hid) }
        let y = (0..<e).map { _ in g.doubles(plan.shCount) }, yDot = (0..<e).map { _ in g.doubles(plan.shCount) }
        let w = (0..<hid).map { _ in g.doubles(cols) }
        let mBar = (0..<n).map { _ in g.doubles(plan.midWidth) }
        let mDotBar = (0..<n).map { _ in g.doubles(plan.midWidth) }
        let x1 = c.x1(plan)
        func times(_ rows: [[Double]]) -> [Double] {
            rows.flatMap { r in (0..<cols).map { col in (0..<hid).reduce(0) { $0 + r[$1] * w[$1][col] } } }
        }

        // Reference: the dual polynomial per edge (tangents of the weights and Y; x1 has none), then its backward.
        let x1Operand = p.inputs[1], midOperand = p.outputs[0]
        let elementOf = c.senders.map { c.nodeElements[$0] }
        let indexing = OperandIndexing(
            inputs: [.batched, .indexed(elementOf, rows: s), .batched], outputs: [.indexed(c.receivers, rows: n)])
        let dual = try p.dual(withRespectTo: [0, 2])
        let dualIndexing = indexing.dual(withRespectTo: [0, 2])
        let inputs = [
            times(h), x1.flatMap { IrMulLayout.fromIrMul($0, operand: x1Operand) }, y.flatMap { $0 }, times(hDot),
            yDot.flatMap { $0 },
        ]
        let forward = try ReferenceExecutor().evaluate(dual, batchSize: e, inputs: inputs, indexing: dualIndexing)
        let cotangents = [mBar, mDotBar].map { $0.flatMap { IrMulLayout.fromIrMul($0, operand: midOperand) } }
        let reverse = try ReferenceExecutor().evaluate(
            try dual.backward(withRespectTo: [0, 1, 3]), batchSize: e, inputs: inputs + cotangents,
            indexing: dualIndexing.backward(withRespectTo: [0, 1, 3]))
        let (wBar, x1BarMulIr, wDotBar) = (reverse[0], reverse[1], reverse[2])
        // The last layer's weight gradient Σ_e h ⊗ w̄ + ḣ ⊗ ẇ̄, and the per-edge input adjoints w̄ · Wᵀ, ẇ̄ · Wᵀ.
        var referenceW = [Double](repeating: 0, count: hid * cols)
        var referenceHBar = [Double](repeating: 0, count: e * hid), referenceHDotBar = referenceHBar
        for edge in 0..<e {
            for q in 0..<hid {
                for col in 0..<cols {
                    let (a, b) = (wBar[edge * cols + col], wDotBar[edge * cols + col])
                    referenceW[q * cols + col] += h[edge][q] * a + hDot[edge][q] * b
                    referenceHBar[edge * hid + q] += a * w[q][col]
                    referenceHDotBar[edge * hid + q] += b * w[q][col]
                }
            }
        }

        // Factored, as the kernels index it (the moments are linear in h and in Y).
        let f = FactoredMirror(plan: plan, graph: c, w: w, x1: x1)
        let z = f.moments(h, y), zDot = sum(f.moments(hDot, y), f.moments(h, yDot))
        let (q, qDot) = (f.products(z), f.products(zDot))
        for (factored, reference) in [(f.combine(q), forward[0]), (f.combine(qDot), forward[1])] {
            let referenceIrMul = IrMulLayout.toIrMul(reference, operand: midOperand)
            #expect(maxDifference(factored, referenceIrMul) <= 1e-12 * maxMagnitude(referenceIrMul))
        }
        // Reverse: x̄1 per element, V, V̇, Z̄, Ż̄, the weight gradient per path, per-edge h̄ and ḣ̄.
        let x1Bar = sum(f.x1Adjoint(q, mBar), f.x1Adjoint(qDot, mDotBar))
        let (v, vDot) = (f.adjoints(mBar), f.adjoints(mDotBar))
        let (zBar, zDotBar) = (f.momentAdjoints(v), f.momentAdjoints(vDot))
        let weightGradient = sum(f.weightGradient(z, v), f.weightGradient(zDot, vDot))
        let hBar = sum(f.inputAdjoint(y, zBar), f.inputAdjoint(yDot, zDotBar))
        let hDotBar = f.inputAdjoint(y, zDotBar)
        let referenceX1Bar = (0..<s).flatMap { el in
            IrMulLayout.toIrMul(Array(x1BarMulIr[(el * plan.x1Width)..<((el + 1) * plan.x1Width)]), operand: x1Operand)
        }
        for (factored, reference) in [
            (weightGradient, referenceW), (hBar, referenceHBar), (hDotBar, referenceHDotBar), (x1Bar, referenceX1Bar),
        ] {
            #expect(maxDifference(factored, reference) <= 1e-12 * maxMagnitude(reference))
        }
    }
}

private func maxDifference(_ a: [Double], _ b: [Double]) -> Double {
    a.count == b.count ? zip(a, b).map { abs($0 - $1) }.max() ?? 0 : .infinity
}

private func maxMagnitude(_ a: [Double]) -> Double { a.map(abs).max() ?? 0 }

private func sum(_ a: [Double], _ b: [Double]) -> [Double] { zip(a, b).map { $0 + $1 } }

/// The factored chain in plain float64 loops over the node buffers as
/// ``FactoredConvPlan/row(node:element:pair:nodes:width:)`` lays them out (the generated kernels' indexing), for one
/// graph, last radial weight `w` `[hidden, weightColumns]` and element rows `x1` (ir_mul).
private struct FactoredMirror {
    let plan: FactoredConvPlan
    let graph: FactoredConvPlanTests.Case
    let w: [[Double]]
    let x1: [[Double]]
    var edges: Int { graph.senders.count }
    var hidden: Int { graph.hidden }

    func row(_ node: Int, _ element: Int, _ k: Int, _ width: Int) -> Int {
        plan.row(node: node, element: element, pair: k, nodes: graph.nodes, width: width)
    }

    func element(ofEdge edge: Int) -> Int { graph.nodeElements[graph.senders[edge]] }

    /// Every (node, element, pair) row of the node buffers.
    func forEachRow(_ body: (_ node: Int, _ element: Int, _ k: Int, _ pair: FactoredConvPlan.Pair) -> Void) {
        for node in 0..<graph.nodes {
            for element in 0..<graph.elements {
                for (k, pair) in plan.pairs.enumerated() { body(node, element, k, pair) }
            }
        }
    }

    /// Every (node, term, element, channel).
    func forEachTerm(_ body: (_ node: Int, _ term: FactoredConvPlan.Term, _ element: Int, _ u: Int) -> Void) {
        for node in 0..<graph.nodes {
            for t in plan.terms {
                for element in 0..<graph.elements {
                    for u in 0..<plan.channels { body(node, t, element, u) }
                }
            }
        }
    }

    /// `Z = Σ_e h_e ⊗ Y_e` per receiver, sender element and pair.
    func moments(_ h: [[Double]], _ y: [[Double]]) -> [Double] {
        var z = [Double](repeating: 0, count: plan.nodeBufferCount(nodes: graph.nodes, width: hidden))
        for edge in 0..<edges {
            for (k, pair) in plan.pairs.enumerated() {
                for q in 0..<hidden {
                    z[row(graph.receivers[edge], element(ofEdge: edge), k, hidden) + q] += h[edge][q] * y[edge][pair.sh]
                }
            }
        }
        return z
    }

    /// `Q = Z · W[:, path]` per row.
    func products(_ z: [Double]) -> [Double] {
        var q = [Double](repeating: 0, count: plan.nodeBufferCount(nodes: graph.nodes, width: plan.channels))
        forEachRow { node, element, k, pair in
            for u in 0..<plan.channels {
                q[row(node, element, k, plan.channels) + u] = (0..<hidden).reduce(0) {
                    $0 + z[row(node, element, k, hidden) + $1] * w[$1][pair.path * plan.channels + u]
                }
            }
        }
        return q
    }

    /// `mid = Σ_terms c · x1_s · Q` (ir_mul rows).
    func combine(_ q: [Double]) -> [Double] {
        var mid = [Double](repeating: 0, count: graph.nodes * plan.midWidth)
        forEachTerm { node, t, element, u in
            mid[node * plan.midWidth + t.mid + u] +=
                t.coefficient * x1[element][t.x1 + u] * q[row(node, element, t.pair, plan.channels) + u]
        }
        return mid
    }

    /// `V = Σ_terms c · x1_s · dmid` (Q's adjoint).
    func adjoints(_ dmid: [[Double]]) -> [Double] {
        var v = [Double](repeating: 0, count: plan.nodeBufferCount(nodes: graph.nodes, width: plan.channels))
        forEachTerm { node, t, element, u in
            v[row(node, element, t.pair, plan.channels) + u] +=
                t.coefficient * x1[element][t.x1 + u] * dmid[node][t.mid + u]
        }
        return v
    }

    /// `Z̄ = V · W[:, path]ᵀ` per row.
    func momentAdjoints(_ v: [Double]) -> [Double] {
        var zBar = [Double](repeating: 0, count: plan.nodeBufferCount(nodes: graph.nodes, width: hidden))
        forEachRow { node, element, k, pair in
            for q in 0..<hidden {
                zBar[row(node, element, k, hidden) + q] = (0..<plan.channels).reduce(0) {
                    $0 + v[row(node, element, k, plan.channels) + $1] * w[q][pair.path * plan.channels + $1]
                }
            }
        }
        return zBar
    }

    /// Per edge `Σ_pairs Y_e[j] · Z̄[…, q]` (d/dh from the moments' adjoint), `[edges, hidden]`.
    func inputAdjoint(_ y: [[Double]], _ zBar: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: edges * hidden)
        for edge in 0..<edges {
            for (k, pair) in plan.pairs.enumerated() {
                for q in 0..<hidden {
                    out[edge * hidden + q] +=
                        y[edge][pair.sh] * zBar[row(graph.receivers[edge], element(ofEdge: edge), k, hidden) + q]
                }
            }
        }
        return out
    }

    /// Per edge `Σ_q h_e[q] · Z̄[…, q]` into each pair's Y component (d/dY), `[edges, shCount]`.
    func shAdjoint(_ h: [[Double]], _ zBar: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: edges * plan.shCount)
        for edge in 0..<edges {
            for (k, pair) in plan.pairs.enumerated() {
                for q in 0..<hidden {
                    out[edge * plan.shCount + pair.sh] +=
                        h[edge][q] * zBar[row(graph.receivers[edge], element(ofEdge: edge), k, hidden) + q]
                }
            }
        }
        return out
    }

    /// `W̄[:, path] += Zᵀ · V` per path, `[hidden, weightColumns]` flat.
    func weightGradient(_ z: [Double], _ v: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: hidden * plan.weightColumns)
        forEachRow { node, element, k, pair in
            for q in 0..<hidden {
                for u in 0..<plan.channels {
                    out[q * plan.weightColumns + pair.path * plan.channels + u] +=
                        z[row(node, element, k, hidden) + q] * v[row(node, element, k, plan.channels) + u]
                }
            }
        }
        return out
    }

    /// `x̄1_s = Σ_n Σ_terms c · Q · dmid`, `[elements, x1Width]` flat (ir_mul).
    func x1Adjoint(_ q: [Double], _ dmid: [[Double]]) -> [Double] {
        var out = [Double](repeating: 0, count: graph.elements * plan.x1Width)
        forEachTerm { node, t, element, u in
            out[element * plan.x1Width + t.x1 + u] +=
                t.coefficient * q[row(node, element, t.pair, plan.channels) + u] * dmid[node][t.mid + u]
        }
        return out
    }
}
