// SwiftMACE, MIT licence.
// FactoredConvSource: CUDA C++ of the factored first conv (FactoredConvPlan): the per-receiver element moments, the
// output combination, the backward's V, and the per-edge gradients, with the plan's tables as constants.

import Equivariance

/// The kernels of a ``FactoredConvPlan`` around its per-path GEMMs, each `_f32` and `_f64`:
/// - `fc_moments(csr…, row0, nodes, elements, h, y, z)`: one block of `hidden` threads (q) per receiver of a
///   receiver CSR, `Z[n, s, pair, q] = Σ_e h_e[q] · Y_e[j]` for the receiver's edges, element groups of
///   ``FactoredConvPlan/elementGroup`` in registers (a block-uniform branch on the sender's element).
/// - `fc_output(nodes, q, x1, element_rows, mid)`: one block of `channels` threads (u) per node,
///   `mid[n, k, u] = Σ_terms c · Σ_s x1_s[i, u] · Q[n, s, pair, u]` (every output component written).
/// - `fc_v(nodes, dmid, x1, element_rows, v)`: the same shape, `V[n, s, pair, u] = Σ_terms(pair) c · x1_s · dmid`.
/// - `fc_edge_gradient(csr…, row0, nodes, elements, h, y, dz, dh, dy)`: one block of 4 warps per receiver,
///   a warp per edge (lanes over q), `dh_e[q] = Σ_pairs Y_e[j] · dZ[n, s, pair, q]` and `dy_e[j] = Σ_q h_e[q] ·
///   dZ[…, q]` (warp sums), both overwritten.
/// For the training pass (reverse over the dual forward, tangents along the position direction; x1 has none):
/// - `fc_moments_dual(csr…, row0, nodes, elements, h, hdot, y, ydot, z, zdot)`: Z and `Ż = Σ (ḣ·Y + h·Ẏ)`.
/// - `fc_edge_adjoint(csr…, row0, nodes, elements, y, ydot, zbar, zdotbar, hbar, hdotbar)`: per edge
///   `h̄ = Σ_pairs (Y·Z̄ + Ẏ·Ż̄)`, `ḣ̄ = Σ_pairs Y·Ż̄` (overwritten).
/// - `fc_x1_partials(nodes, q, qdot, dmid, dmid_tangent, partials)` (grid (elements, B), `channels` threads) then
///   `fc_x1_sum(B, partials, element_rows, up_gradient)` (one block of x1Width threads): `x̄1_s = Σ_n Σ_terms
///   c · (Q·m̄ + Q̇·ṁ̄)` in float64, summed in a fixed order and added to row `element_rows[s]`.
/// - `fc_copy_block(rows, cols, src, dst, ld)`: a contiguous `[rows, cols]` block into a matrix of leading
///   dimension `ld` (one path's columns of the last radial layer's gradient).
/// `x1_s` is row `element_rows[s]` of the first layer's linear_up output (any node of element s: the row depends on
/// the element only). `h` and `y`, `dh`, `dy` are per-edge rows `edge_ids[p]` of the CSR; `z`, `q`, `v`, `dz` node
/// buffers laid out as ``FactoredConvPlan/row(node:element:pair:nodes:width:)``, receivers offset by `row0`.
struct FactoredConvSource: Sendable {
    let plan: FactoredConvPlan
    let code: String

    /// Threads of the edge-gradient kernel's block (a warp per edge in flight).
    static let edgeGradientThreads = 128

    init(plan: FactoredConvPlan) {
        self.plan = plan
        let p = plan
        let group = min(p.elements, FactoredConvPlan.elementGroup)
        let components = p.midWidth / p.channels
        let x1Components = p.x1Width / p.channels
        // Row offset of (n, s, pair k) in a node buffer of `width` columns, with the plan's numbers as literals.
        func row(_ k: Int, _ n: String, _ s: String, _ width: String) -> String {
            let (b, local) = p.block(of: k)
            let block = p.blocks[b].pairs
            return "((size_t)nodes * \(p.elements * block.lowerBound) + ((size_t)(\(n)) * FC_S + (\(s))) * "
                + "\(block.count) + \(local)) * \(width)"
        }
        func unrolled(_ lines: (Int, FactoredConvPlan.Pair) -> String) -> String {
            p.pairs.enumerated().map { lines($0.offset, $0.element) }.joined(separator: "\n")
        }
        let moments = unrolled { k, pair in
            "acc[g][\(k)] += hq * ye[\(pair.sh)]; if (DUAL) dacc[g][\(k)] += hdq * ye[\(pair.sh)] + hq * yde[\(pair.sh)];"
        }
        let momentStores = unrolled { k, _ in
            "{ const size_t o = \(row(k, "n", "g0 + g", "FC_H")) + q; z[o] = acc[g][\(k)]; if (DUAL) zdot[o] = dacc[g][\(k)]; }"
        }
        // h̄ = Σ (Y·Z̄ + Ẏ·Ż̄), ḣ̄ = Σ Y·Ż̄ per pair, this lane's q.
        let edgeAdjointTerms = unrolled { k, pair in
            """
            { const T yk = y[e * FC_J + \(pair.sh)], ydk = ydot[e * FC_J + \(pair.sh)];
              const size_t o = \(row(k, "n", "s", "FC_H"));
              #pragma unroll
              for (int i = 0; i < QL; ++i) {
                const int q = lane + 32 * i;
                if (q < FC_H) {
                  const T zb = zbar[o + q], zdb = zdotbar[o + q];
                  hb[i] += yk * zb + ydk * zdb;
                  hdb[i] += yk * zdb;
                } } }
            """
        }
        // x̄1 partial sums: Σ over this block's nodes of c · (Q·m̄ + Q̇·ṁ̄), per x1 component of the terms.
        let x1Terms = p.terms.map { t in
            "acc[\(t.x1 / p.channels)] += \(CUDALiteral.hex(t.coefficient)) * double(qbuf[\(row(t.pair, "n", "s", "FC_C")) + u] * "
                + "dmid[(size_t)n * FC_MID + \(t.mid) + u] + qdot[\(row(t.pair, "n", "s", "FC_C")) + u] * "
                + "dmid_tangent[(size_t)n * FC_MID + \(t.mid) + u]);"
        }.joined(separator: "\n")
        let edgeTerms = unrolled { k, pair in
            """
            { const T yk = y[e * FC_J + \(pair.sh)];
              const T* zk = dz + \(row(k, "n", "s", "FC_H"));
              #pragma unroll
              for (int i = 0; i < QL; ++i) {
                const int q = lane + 32 * i;
                const T zq = q < FC_H ? zk[q] : T(0);
                d[i] += yk * zq;
                part[\(pair.sh)] += hq[i] * zq;
              } }
            """
        }
        // Σ over the terms of each output component, unrolled with the coefficients as literals.
        var output = ""
        for k in 0..<components {
            let sum = p.terms.filter { $0.mid == k * p.channels }.map { t in
                "T(\(CUDALiteral.hex(t.coefficient))) * xs[s][\(t.x1 / p.channels)] * qbuf[\(row(t.pair, "n", "s", "FC_C")) + u]"
            }
            output += "{ T acc = T(0);\n"
            if !sum.isEmpty {
                output += "  #pragma unroll\n  for (int s = 0; s < FC_S; ++s) acc += \(sum.joined(separator: " + "));\n"
            }
            output += "  mid[(size_t)n * FC_MID + \(k * p.channels) + u] = acc; }\n"
        }
        var v = ""
        for k in p.pairs.indices {
            let sum = p.terms.filter { $0.pair == k }.map { t in
                "T(\(CUDALiteral.hex(t.coefficient))) * xs[s][\(t.x1 / p.channels)] * dmid[(size_t)n * FC_MID + \(t.mid) + u]"
            }
            v += "#pragma unroll\nfor (int s = 0; s < FC_S; ++s) vbuf[\(row(k, "n", "s", "FC_C")) + u] = "
                + "\(sum.isEmpty ? "T(0)" : sum.joined(separator: " + "));\n"
        }
        // The forward's output and the backward's V: one block per node, thread u = channel, the x1 rows of every
        // element loaded, then `statements` from `input` into `output`.
        func perNodeBody(_ name: String, input: String, output: String, statements: String) -> String {
            """
            template <typename T>
            __device__ __forceinline__ void \(name)(int nodes, const T* __restrict__ \(input), const T* __restrict__ x1,
                const int* __restrict__ element_rows, T* __restrict__ \(output)) {
              const int n = blockIdx.x, u = threadIdx.x;
              if (n >= nodes) return;
              T xs[FC_S][\(x1Components)];
              fc_load_x1<T>(x1, element_rows, u, xs);
            \(statements)
            }
            """
        }
        let tables = """
            constexpr int FC_H = \(p.hidden), FC_C = \(p.channels), FC_J = \(p.shCount), FC_S = \(p.elements);
            constexpr int FC_G = \(group), FC_PAIRS = \(p.pairs.count), FC_X1 = \(p.x1Width), FC_MID = \(p.midWidth);
            """
        code = """
            // Generated by SwiftMACE (Sources/MACECUDA/FactoredConv). The factored first conv_tp.
            \(tables)

            // DUAL: also Ż = Σ (ḣ·Y + h·Ẏ) (reverse over forward training).
            template <typename T, bool DUAL>
            __device__ __forceinline__ void fc_moments_body(int rows, const int* __restrict__ row_offsets,
                const int* __restrict__ edge_ids, const int* __restrict__ gather_rows, int row0, int nodes,
                const int* __restrict__ elements, const T* __restrict__ h, const T* __restrict__ hdot,
                const T* __restrict__ y, const T* __restrict__ ydot, T* __restrict__ z, T* __restrict__ zdot) {
              const int r = blockIdx.x, q = threadIdx.x;
              if (r >= rows) return;
              const int begin = row_offsets[r], end = row_offsets[r + 1];
              const long long n = (long long)row0 + r;
              for (int g0 = 0; g0 < FC_S; g0 += FC_G) {
                T acc[FC_G][FC_PAIRS], dacc[DUAL ? FC_G : 1][DUAL ? FC_PAIRS : 1];
                #pragma unroll
                for (int g = 0; g < FC_G; ++g)
                  #pragma unroll
                  for (int k = 0; k < FC_PAIRS; ++k) {
                    acc[g][k] = T(0);
                    if (DUAL) dacc[g][k] = T(0);
                  }
                for (int p = begin; p < end; ++p) {
                  const int s = elements[gather_rows[p]] - g0;
                  const size_t e = (size_t)edge_ids[p];
                  const T hq = h[e * FC_H + q];
                  const T hdq = DUAL ? hdot[e * FC_H + q] : T(0);
                  const T* ye = y + e * FC_J;
                  const T* yde = DUAL ? ydot + e * FC_J : ye;
                  #pragma unroll
                  for (int g = 0; g < FC_G; ++g)
                    if (s == g) {
            \(moments)
                    }
                }
                #pragma unroll
                for (int g = 0; g < FC_G; ++g)
                  if (g0 + g < FC_S) {
            \(momentStores)
                  }
              }
            }

            // x1_s[i, u] of every element for this thread's channel.
            template <typename T>
            __device__ __forceinline__ void fc_load_x1(const T* __restrict__ x1, const int* __restrict__ element_rows, int u,
                                                       T (&xs)[FC_S][\(x1Components)]) {
              #pragma unroll
              for (int s = 0; s < FC_S; ++s)
                #pragma unroll
                for (int i = 0; i < \(x1Components); ++i) xs[s][i] = x1[(size_t)element_rows[s] * FC_X1 + i * FC_C + u];
            }

            \(perNodeBody("fc_output_body", input: "qbuf", output: "mid", statements: output))

            \(perNodeBody("fc_v_body", input: "dmid", output: "vbuf", statements: v))

            template <typename T>
            __device__ __forceinline__ void fc_edge_gradient_body(int rows, const int* __restrict__ row_offsets,
                const int* __restrict__ edge_ids, const int* __restrict__ gather_rows, int row0, int nodes,
                const int* __restrict__ elements, const T* __restrict__ h, const T* __restrict__ y,
                const T* __restrict__ dz, T* __restrict__ dh, T* __restrict__ dy) {
              constexpr int QL = (FC_H + 31) / 32;
              const int r = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
              if (r >= rows) return;
              const int begin = row_offsets[r], end = row_offsets[r + 1];
              const long long n = (long long)row0 + r;
              for (int p = begin + warp; p < end; p += warps) {
                const int s = elements[gather_rows[p]];
                const size_t e = (size_t)edge_ids[p];
                T hq[QL], d[QL], part[FC_J];
                #pragma unroll
                for (int i = 0; i < QL; ++i) {
                  const int q = lane + 32 * i;
                  hq[i] = q < FC_H ? h[e * FC_H + q] : T(0);
                  d[i] = T(0);
                }
                #pragma unroll
                for (int j = 0; j < FC_J; ++j) part[j] = T(0);
            \(edgeTerms)
                #pragma unroll
                for (int i = 0; i < QL; ++i) {
                  const int q = lane + 32 * i;
                  if (q < FC_H) dh[e * FC_H + q] = d[i];
                }
                #pragma unroll
                for (int j = 0; j < FC_J; ++j) {
                  T t = part[j];
                  #pragma unroll
                  for (int o = 16; o > 0; o >>= 1) t += __shfl_xor_sync(0xffffffffu, t, o);
                  if (lane == j) dy[e * FC_J + j] = t;
                }
              }
            }

            // Training reverse: h̄ and ḣ̄ per edge (a warp per edge, lanes over q), both overwritten.
            template <typename T>
            __device__ __forceinline__ void fc_edge_adjoint_body(int rows, const int* __restrict__ row_offsets,
                const int* __restrict__ edge_ids, const int* __restrict__ gather_rows, int row0, int nodes,
                const int* __restrict__ elements, const T* __restrict__ y, const T* __restrict__ ydot,
                const T* __restrict__ zbar, const T* __restrict__ zdotbar, T* __restrict__ hbar, T* __restrict__ hdotbar) {
              constexpr int QL = (FC_H + 31) / 32;
              const int r = blockIdx.x, lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
              if (r >= rows) return;
              const int begin = row_offsets[r], end = row_offsets[r + 1];
              const long long n = (long long)row0 + r;
              for (int p = begin + warp; p < end; p += warps) {
                const int s = elements[gather_rows[p]];
                const size_t e = (size_t)edge_ids[p];
                T hb[QL], hdb[QL];
                #pragma unroll
                for (int i = 0; i < QL; ++i) { hb[i] = T(0); hdb[i] = T(0); }
            \(edgeAdjointTerms)
                #pragma unroll
                for (int i = 0; i < QL; ++i) {
                  const int q = lane + 32 * i;
                  if (q < FC_H) { hbar[e * FC_H + q] = hb[i]; hdotbar[e * FC_H + q] = hdb[i]; }
                }
              }
            }

            // Training reverse: x̄1_s partial sums, block (s, b) over nodes b, b + gridDim.y, … into
            // partials[(b · FC_S + s) · FC_X1 + i · FC_C + u].
            template <typename T>
            __device__ __forceinline__ void fc_x1_partials_body(int nodes, const T* __restrict__ qbuf,
                const T* __restrict__ qdot, const T* __restrict__ dmid, const T* __restrict__ dmid_tangent,
                double* __restrict__ partials) {
              const int s = blockIdx.x, b = blockIdx.y, u = threadIdx.x;
              double acc[\(x1Components)];
              #pragma unroll
              for (int i = 0; i < \(x1Components); ++i) acc[i] = 0.;
              for (int n = b; n < nodes; n += gridDim.y) {
            \(x1Terms)
              }
              #pragma unroll
              for (int i = 0; i < \(x1Components); ++i) partials[((size_t)b * FC_S + s) * FC_X1 + i * FC_C + u] = acc[i];
            }

            // x̄1_s = Σ_b partials (fixed order), added to row element_rows[s] of the (zeroed) linear_up gradient. One
            // thread per column walks the elements in turn: elements without atoms share a row (their sums are 0).
            template <typename T>
            __device__ __forceinline__ void fc_x1_sum_body(int blocks, const double* __restrict__ partials,
                const int* __restrict__ element_rows, T* __restrict__ up_gradient) {
              const int i = threadIdx.x;
              for (int s = 0; s < FC_S; ++s) {
                double sum = 0.;
                for (int b = 0; b < blocks; ++b) sum += partials[((size_t)b * FC_S + s) * FC_X1 + i];
                up_gradient[(size_t)element_rows[s] * FC_X1 + i] += T(sum);
              }
            }

            // dst[r · ld + c] = src[r · cols + c]: a contiguous [rows, cols] block into a wider matrix.
            template <typename T>
            __device__ __forceinline__ void fc_copy_block_body(int rows, int cols, const T* __restrict__ src, T* __restrict__ dst,
                                                               int ld) {
              const int i = blockIdx.x * blockDim.x + threadIdx.x;
              if (i < rows * cols) dst[(size_t)(i / cols) * ld + i % cols] = src[i];
            }

            #define SWIFTMACE_FACTORED_CONV(T, SUFFIX) \\
            extern "C" __global__ void fc_moments_##SUFFIX(int rows, const int* row_offsets, const int* edge_ids, \\
                const int* gather_rows, int row0, int nodes, const int* elements, const T* h, const T* y, T* z) { \\
              fc_moments_body<T, false>(rows, row_offsets, edge_ids, gather_rows, row0, nodes, elements, h, h, y, y, z, z); } \\
            extern "C" __global__ void fc_moments_dual_##SUFFIX(int rows, const int* row_offsets, const int* edge_ids, \\
                const int* gather_rows, int row0, int nodes, const int* elements, const T* h, const T* hdot, const T* y, \\
                const T* ydot, T* z, T* zdot) { \\
              fc_moments_body<T, true>(rows, row_offsets, edge_ids, gather_rows, row0, nodes, elements, h, hdot, y, ydot, z, \\
                                       zdot); } \\
            extern "C" __global__ void fc_edge_adjoint_##SUFFIX(int rows, const int* row_offsets, const int* edge_ids, \\
                const int* gather_rows, int row0, int nodes, const int* elements, const T* y, const T* ydot, \\
                const T* zbar, const T* zdotbar, T* hbar, T* hdotbar) { \\
              fc_edge_adjoint_body<T>(rows, row_offsets, edge_ids, gather_rows, row0, nodes, elements, y, ydot, zbar, \\
                                      zdotbar, hbar, hdotbar); } \\
            extern "C" __global__ void fc_x1_partials_##SUFFIX(int nodes, const T* q, const T* qdot, const T* dmid, \\
                const T* dmid_tangent, double* partials) { \\
              fc_x1_partials_body<T>(nodes, q, qdot, dmid, dmid_tangent, partials); } \\
            extern "C" __global__ void fc_x1_sum_##SUFFIX(int blocks, const double* partials, const int* element_rows, \\
                T* up_gradient) { fc_x1_sum_body<T>(blocks, partials, element_rows, up_gradient); } \\
            extern "C" __global__ void fc_copy_block_##SUFFIX(int rows, int cols, const T* src, T* dst, int ld) { \\
              fc_copy_block_body<T>(rows, cols, src, dst, ld); } \\
            extern "C" __global__ void fc_output_##SUFFIX(int nodes, const T* q, const T* x1, const int* element_rows, \\
                T* mid) { fc_output_body<T>(nodes, q, x1, element_rows, mid); } \\
            extern "C" __global__ void fc_v_##SUFFIX(int nodes, const T* dmid, const T* x1, const int* element_rows, \\
                T* v) { fc_v_body<T>(nodes, dmid, x1, element_rows, v); } \\
            extern "C" __global__ void fc_edge_gradient_##SUFFIX(int rows, const int* row_offsets, const int* edge_ids, \\
                const int* gather_rows, int row0, int nodes, const int* elements, const T* h, const T* y, const T* dz, \\
                T* dh, T* dy) { \\
              fc_edge_gradient_body<T>(rows, row_offsets, edge_ids, gather_rows, row0, nodes, elements, h, y, dz, dh, dy); }
            SWIFTMACE_FACTORED_CONV(float, f32)
            SWIFTMACE_FACTORED_CONV(double, f64)

            """
    }
}
