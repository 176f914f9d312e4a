// SwiftMACE, MIT licence.
// FactoredConvPlan: the first layer's conv_tp rewritten per receiver and sender element. Its sender features are
// linear_up of the element embedding (one row per element) and its edge weights are linear in the last radial
// layer's input, so the edge sum can move inside both and [E, weight_numel] is never formed.

import Equivariance

/// The first interaction's conv_tp as "element moments, then one product with the last radial layer per receiver".
///
/// mace's conv output of receiver n (ir_mul, channel u) is `mid[n, k, u] = Σ_terms c · Σ_{e → n} W_e[p, u] ·
/// x1[sender(e)][i, u] · Y_e[j]` with `W_e[p, u] = Σ_q h_e[q] · W_last[q, p·C + u]` (h_e the last radial layer's
/// input). When x1 depends on the sender's element s only (the first layer: linear_up of the element embedding),
/// the sum regroups as
///
///     Z[n, s, (p, j), q] = Σ_{e → n, element(sender(e)) = s} h_e[q] · Y_e[j]          (per edge: H·pairs products)
///     Q[n, s, (p, j), u] = Σ_q Z[n, s, (p, j), q] · W_last[q, p·C + u]               (one GEMM per path p)
///     mid[n, k, u]       = Σ_terms c · Σ_s x1_s[i, u] · Q[n, s, (p, j), u]
///
/// which costs per edge `H · pairs` (64 · 16 for mace's first layer) instead of `H · weight_numel` (64 · 512) plus
/// the tensor product, and per node `elements · pairs · H · C`. The force backward is the same chain transposed:
/// `V = Σ_terms c · x1_s · dmid`, `dZ = V · W_lastᵀ` per path, then per edge `dh_e[q] = Σ_(p,j) Y_e[j] · dZ` and
/// `dY_e[j] = Σ_q h_e[q] · dZ`.
///
/// The node buffers hold, per path p with `m_p` (p, j) pairs, a block of rows `(n · elements + s) · m_p + jj`:
/// the operands of that path's GEMM are contiguous.
struct FactoredConvPlan: Sendable, Equatable {
    /// One (path, spherical-harmonic component) the terms read.
    struct Pair: Sendable, Equatable {
        /// The weight segment: columns `path · channels ..< (path + 1) · channels` of the last radial layer.
        let path: Int
        /// The component of Y (x2).
        let sh: Int
    }

    /// One coefficient: `mid[n, mid + u] += coefficient · x1_s[x1 + u] · Q[n, s, pair, u]` (flat ir_mul offsets).
    struct Term: Sendable, Equatable {
        let pair: Int
        let x1: Int
        let mid: Int
        let coefficient: Double
    }

    /// Channels u of every path (the multiplicity of x1 and of each output segment).
    let channels: Int
    /// Width of the last radial layer's input (h_e).
    let hidden: Int
    /// Components of Y per edge.
    let shCount: Int
    /// Elements of the model (sender classes).
    let elements: Int
    let x1Width: Int
    let midWidth: Int
    /// Columns of the last radial layer (the conv's weight count).
    let weightColumns: Int
    /// Pairs grouped by path, in path order.
    let pairs: [Pair]
    /// A path with pairs: its weight segment and its range in ``pairs``.
    struct Block: Sendable, Equatable {
        let path: Int
        var pairs: Range<Int>
    }

    /// Per path with pairs, in path order.
    let blocks: [Block]
    let terms: [Term]

    /// The most elements the moment kernel keeps in registers at once (more are handled in several passes).
    static let elementGroup = 4
    /// Above this many elements the per-node work (`elements · pairs · H · C`) stops paying for itself (est.).
    static let maxElements = 8

    /// The plan of `polynomial` (a ``ChannelwiseTensorProductDescriptor``'s, `[weight, x1, x2] → [mid]`), or nil
    /// where the rewrite does not apply: channels differing between paths, more than ``maxElements`` elements, or
    /// a weight segment that is not `[C, 1]`.
    init?(polynomial: EquivariantPolynomial, hidden: Int, elements: Int) {
        guard polynomial.inputs.count == 3, polynomial.outputs.count == 1, polynomial.terms.count == 1,
            (1...Self.maxElements).contains(elements), hidden > 0
        else { return nil }
        let (weight, x1, x2) = (polynomial.inputs[0], polynomial.inputs[1], polynomial.inputs[2])
        let mid = polynomial.outputs[0]
        guard let channels = x1.segments.first?.first, channels > 0,
            x1.segments.allSatisfy({ $0.count == 2 && $0[0] == channels }),
            mid.segments.allSatisfy({ $0.count == 2 && $0[0] == channels }),
            weight.segments.allSatisfy({ $0 == [channels, 1] }),
            x2.segments.allSatisfy({ $0.count == 1 })
        else { return nil }
        let (x1Offsets, x2Offsets, midOffsets) = (x1.segmentOffsets, x2.segmentOffsets, mid.segmentOffsets)
        var raw: [(pair: Pair, x1: Int, mid: Int, coefficient: Double)] = []
        for path in polynomial.terms[0].paths {
            let s = path.segments
            for c in path.coefficients where c.value != 0 {
                raw.append((
                    Pair(path: s[0], sh: x2Offsets[s[2]] + c.indices[2]),
                    x1Offsets[s[1]] + c.indices[1] * channels, midOffsets[s[3]] + c.indices[3] * channels, c.value
                ))
            }
        }
        var pairs: [Pair] = []
        for r in raw where !pairs.contains(r.pair) { pairs.append(r.pair) }
        pairs.sort { ($0.path, $0.sh) < ($1.path, $1.sh) }
        var blocks: [Block] = []
        for (k, pair) in pairs.enumerated() {
            if let last = blocks.last, last.path == pair.path {
                blocks[blocks.count - 1].pairs = last.pairs.lowerBound..<(k + 1)
            } else {
                blocks.append(Block(path: pair.path, pairs: k..<(k + 1)))
            }
        }
        self.channels = channels
        self.hidden = hidden
        shCount = x2.size
        self.elements = elements
        x1Width = x1.size
        midWidth = mid.size
        weightColumns = weight.size
        self.pairs = pairs
        self.blocks = blocks
        terms = raw.map { r in
            Term(pair: pairs.firstIndex(of: r.pair) ?? 0, x1: r.x1, mid: r.mid, coefficient: r.coefficient)
        }
    }

    /// The block (path) of pair `k` and `k`'s position in it.
    func block(of k: Int) -> (index: Int, local: Int) {
        let b = blocks.firstIndex { $0.pairs.contains(k) } ?? 0
        return (b, k - blocks[b].pairs.lowerBound)
    }

    /// Offset of row `(n, s, pair k)` of a node buffer with `width` columns (Z, dZ: ``hidden``; Q, V:
    /// ``channels``) for `nodes` nodes.
    func row(node n: Int, element s: Int, pair k: Int, nodes: Int, width: Int) -> Int {
        let (b, local) = block(of: k)
        let block = blocks[b]
        return (nodes * elements * block.pairs.lowerBound + (n * elements + s) * block.pairs.count + local) * width
    }

    /// FLOPs and bytes of the forward and the force backward (as ``StepCost`` counts: each stage reads its inputs
    /// once and writes its outputs once): per edge the moments (h, Y in) and the edge gradient (h, Y in, dh, dY
    /// out); per node the two GEMMs per path and the output / V terms.
    func cost(nodes: Int, edges: Int, scalarBytes: Int) -> StepCost {
        let (n, e, s) = (Double(nodes), Double(edges), Double(scalarBytes))
        let (h, c, el) = (Double(hidden), Double(channels), Double(elements))
        let pairCount = Double(pairs.count)
        let rows = n * el * pairCount  // rows of the node buffers
        var cost = StepCost()
        cost.flops += 2 * e * h * pairCount + 4 * e * h * pairCount  // moments; dh and dY
        cost.flops += 2 * (2 * rows * h * c)  // Q = Z · W, dZ = V · Wᵀ
        cost.flops += 2 * (3 * n * el * Double(terms.count) * c)  // output and V terms
        cost.bytes += e * (h + Double(shCount)) * s + e * 8 + rows * h * s  // moments
        cost.bytes += 2 * rows * (h + c) * s  // the GEMMs
        cost.bytes += (rows * c + n * Double(midWidth) + el * Double(x1Width)) * s  // output
        cost.bytes += (n * Double(midWidth) + rows * c) * s  // V
        cost.bytes += e * (2 * h + 2 * Double(shCount)) * s + e * 8 + rows * h * s  // edge gradient
        return cost
    }

    /// Scalars of a node buffer of `width` columns: `nodes · elements · pairs · width`.
    func nodeBufferCount(nodes: Int, width: Int) -> Int { nodes * elements * pairs.count * width }
}
