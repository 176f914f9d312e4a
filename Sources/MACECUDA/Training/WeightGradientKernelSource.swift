// SwiftMACE, MIT licence.
// WeightGradientKernelSource: CUDA C++ of the radial MLP's float32 weight gradient `C = A₀ᵀ·B₀ + A₁ᵀ·B₁` over
// millions of edge rows, as 3xTF32 on tensor cores split over K, with a fixed-order (bitwise reproducible) sum.

/// Appended to ``ModelKernelSource/code``; self-contained (the check compiles it alone).
///
/// Entry points:
/// - `weight_gradient_3xtf32_m{16,32,64}_n{64,128}(n, rows0, rows1, per, a0, b0, a1, b1, partials f64)`:
///   A `[rows, m]`, B `[rows, n]` row-major float32 (16-byte aligned, n a multiple of 4); the virtual rows
///   `[pair 0; pair 1]` cut into splits of `per` rows (a multiple of 16), block (x, y) = (column tile of 64 or 128,
///   split), each block's `[m, tile]` sum of its split into `partials[y]` (`[splits, m, n]`, float64);
///   ``launch(inputs:outputs:)`` threads and dynamic shared memory.
/// - `weight_gradient_sum(count, splits, partials, c)`: `c[i] = Σ_s partials[s][i]` in split order, rounded once.
///
/// Each k step of 8 splits A and B into TF32 parts rounded to nearest and runs three products
/// (`a_lo·b_hi + a_hi·b_lo + a_hi·b_hi`). The mma's own fp32 accumulation truncates, so each 16-row chunk sums in
/// fresh accumulators that are added to running float32 sums with IEEE rounding, which go to the float64 partials
/// every `WG_FLUSH` chunks (a float32 running sum over a split's ~15000 chunks would drift to ~1e-5). Rows arrive
/// in stages of 32 through a 3-deep cp.async pipeline; warps of (16·MT) × 32, 16 per SM for m = 64 (register cap
/// 128); C's rows and columns are relabelled so that each thread reads its fragments as 16-byte vectors.
enum WeightGradientKernelSource {
    /// Columns of A (the MLP layer's inputs) with a kernel: one to four 16-row mma tiles.
    static let inputs: Set<Int> = [16, 32, 64]
    /// Rows per chunk: the split length is a multiple of it.
    static let chunkRows = 16
    /// Rows per pipeline stage and stages (`WG_BK`, `WG_STAGES`).
    static let stageRows = 32, stages = 3

    /// The kernel for `inputs` (16, 32 or 64) × `outputs` columns: its name, threads per block, columns per block
    /// and dynamic shared memory (`WGTile::SHARED`: A `[32][m]` (m = 16: `[32][24]`), B `[32][columns]` per stage).
    static func launch(inputs m: Int, outputs n: Int) -> (name: String, threads: Int, columns: Int, sharedBytes: Int) {
        let columns = n > 64 ? 128 : 64
        let warps = (m == 64 ? 2 : 1) * columns / 32
        let strideA = m == 16 ? m + 8 : m
        return (
            "weight_gradient_3xtf32_m\(m)_n\(columns)", 32 * warps, columns,
            4 * stages * stageRows * (strideA + columns)
        )
    }

    static let code = """

        // ---- Radial MLP weight gradient (Sources/MACECUDA/Training/WeightGradientKernelSource.swift) ----
        constexpr int WG_FLUSH = 512, WG_BK = 32, WG_STAGES = 3;

        // TF32 parts rounded to nearest (ties away): hi with the low 13 bits cleared, lo = v − hi exactly, then half a tf32
        // ulp added to lo without clearing its low bits, since the mma reads only a tf32 operand's top 19 bits.
        __device__ __forceinline__ void wg_split(float v, unsigned& hi, unsigned& lo) {
          hi = (__float_as_uint(v) + 0x1000u) & 0xffffe000u;
          lo = __float_as_uint(v - __uint_as_float(hi)) + 0x1000u;
        }
        __device__ __forceinline__ unsigned wg_shared(const void* p) {
          unsigned s;
          asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(s) : "l"(p));
          return s;
        }
        __device__ __forceinline__ void wg_cp16(unsigned dst, const float* src, int bytes) {
          asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\\n" :: "r"(dst), "l"(src), "r"(bytes));
        }
        __device__ __forceinline__ void wg_mma(float* c, const unsigned* a, unsigned b0, unsigned b1) {
          asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\\n"
                       : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                       : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
        }

        // Block tile: all M = 16·MT·WM columns of A × BN = 32·WN columns of B, WM × WN warps of (16·MT) × 32. Rows and
        // columns of C are relabelled so that a thread's fragment values lie side by side in shared memory: thread gid of
        // warp (wm, wn) holds A columns 16·MT·wm + 2·MT·gid … (+2·MT) and B columns 32·wn + 4·gid … (+4), read as one or
        // two 16-byte vectors (a float2 for MT = 1) from rows whose 16-byte chunks are XOR-swizzled (conflict-free).
        template <int MT, int WM, int WN> struct WGTile {
          static constexpr int AV = 2 * MT, M = 16 * MT * WM, BN = 32 * WN, T = 32 * WM * WN;
          static constexpr int LDA = AV == 2 ? M + 8 : M;
          static constexpr int SA = WG_BK * LDA, SB = WG_BK * BN, SHARED = 4 * WG_STAGES * (SA + SB);
          __device__ static __forceinline__ int swa(int r) { return AV == 8 ? (r & 1) | ((r & 2) << 1) : AV == 4 ? 2 * (r & 3) : 0; }
          __device__ static __forceinline__ int swb(int r) { return 2 * (r & 3); }
        };

        // Stage rows v = k0 … k0 + WG_BK of the virtual rows [pair 0; pair 1] into stage `s` (zeros from `end` on and past
        // column n): each thread copies fixed 16-byte chunks of rows ra, ra + RA, … (A) and rb, rb + RB, … (B). Sources are
        // chosen without branches (`a1m`, `b1m`: pair 1's base moved back by `rows0` rows; rows past `end` copy zero bytes
        // from row `begin`); destinations are 32-bit shared addresses.
        template <int MT, int WM, int WN>
        __device__ __forceinline__ void wg_load(unsigned smem, int s, const float* __restrict__ a0, const float* __restrict__ b0,
                                                const float* a1m, const float* b1m, long long rows0, long long begin,
                                                long long end, int n, bool columnOK, int column, long long k0) {
          using G = WGTile<MT, WM, WN>;
          constexpr int QA = G::M / 4, RA = G::T / QA, QB = G::BN / 4, RB = G::T / QB;
          static_assert(G::T % QA == 0 && G::T % QB == 0 && WG_BK % RA == 0 && WG_BK % RB == 0, "whole rows per pass");
          const int ca = threadIdx.x % QA, ra = threadIdx.x / QA, cb = threadIdx.x % QB, rb = threadIdx.x / QB;
          #pragma unroll
          for (int i = 0; i < WG_BK / RA; ++i) {
            const int r = ra + i * RA;
            const long long v = k0 + r, w = v < end ? v : begin;
            wg_cp16(smem + 4 * (s * G::SA + r * G::LDA + 4 * (ca ^ G::swa(r))), (w < rows0 ? a0 : a1m) + w * G::M + 4 * ca,
                    v < end ? 16 : 0);
          }
          #pragma unroll
          for (int i = 0; i < WG_BK / RB; ++i) {
            const int r = rb + i * RB;
            const long long v = k0 + r, w = v < end ? v : begin;
            wg_cp16(smem + 4 * (WG_STAGES * G::SA + s * G::SB + r * G::BN + 4 * (cb ^ G::swb(r))),
                    (w < rows0 ? b0 : b1m) + w * n + (columnOK ? column : 0), v < end && columnOK ? 16 : 0);
          }
          asm volatile("cp.async.commit_group;\\n" ::);
        }

        // The warp's A values of row r (2·MT of them).
        template <int MT, int WM, int WN>
        __device__ __forceinline__ void wg_arow(const float* A, int r, int wm, int gid, float (&e)[2 * MT]) {
          using G = WGTile<MT, WM, WN>;
          const float* row = A + r * G::LDA;
          const int c = (16 * MT * wm + G::AV * gid) / 4;
          if constexpr (G::AV == 8) {
            const float4 u = *reinterpret_cast<const float4*>(row + 4 * (c ^ G::swa(r)));
            const float4 w = *reinterpret_cast<const float4*>(row + 4 * ((c + 1) ^ G::swa(r)));
            e[0] = u.x; e[1] = u.y; e[2] = u.z; e[3] = u.w; e[4] = w.x; e[5] = w.y; e[6] = w.z; e[7] = w.w;
          } else if constexpr (G::AV == 4) {
            const float4 u = *reinterpret_cast<const float4*>(row + 4 * (c ^ G::swa(r)));
            e[0] = u.x; e[1] = u.y; e[2] = u.z; e[3] = u.w;
          } else {
            const float2 u = *reinterpret_cast<const float2*>(row + 16 * MT * wm + 2 * gid);
            e[0] = u.x; e[1] = u.y;
          }
        }

        // The warp's running sums into (first) or onto the block's float64 partial tile, then cleared:
        // acc[mt][nt][2h + q] is C[16·MT·wm + 2·MT·gid + 2mt + h][32·wn + 8·tig + 4q + nt].
        template <int MT, int WM>
        __device__ __forceinline__ void wg_flush(float (&acc)[MT][4][4], double* out, int n, int col0, bool first) {
          const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
          const int wm = warp % WM, wn = warp / WM;
          #pragma unroll
          for (int mt = 0; mt < MT; ++mt)
            #pragma unroll
            for (int h = 0; h < 2; ++h)
              #pragma unroll
              for (int q = 0; q < 2; ++q) {
                const int col = col0 + wn * 32 + 8 * tig + 4 * q;
                if (col >= n) continue;
                double2* o = reinterpret_cast<double2*>(out + (long long)(16 * MT * wm + 2 * MT * gid + 2 * mt + h) * n + col);
                double2 x = first ? make_double2(0., 0.) : o[0], y = first ? make_double2(0., 0.) : o[1];
                x.x += double(acc[mt][0][2 * h + q]); x.y += double(acc[mt][1][2 * h + q]);
                y.x += double(acc[mt][2][2 * h + q]); y.y += double(acc[mt][3][2 * h + q]);
                o[0] = x; o[1] = y;
                #pragma unroll
                for (int nt = 0; nt < 4; ++nt) acc[mt][nt][2 * h + q] = 0.f;
              }
        }

        // Block (column tile, split): the split's rows in stages of WG_BK, WG_STAGES-deep cp.async pipeline; each 16-row
        // chunk's products in fresh accumulators, added to running float32 sums with IEEE rounding, which go to the float64
        // partials every WG_FLUSH chunks and at the end.
        template <int MT, int WM, int WN>
        __device__ __forceinline__ void wg_body(int n, long long rows0, long long rows1, long long per,
                                                const float* __restrict__ a0, const float* __restrict__ b0,
                                                const float* __restrict__ a1, const float* __restrict__ b1,
                                                double* __restrict__ partials) {
          using G = WGTile<MT, WM, WN>;
          extern __shared__ __align__(16) float wg_smem[];
          float* as = wg_smem;
          float* bs = wg_smem + WG_STAGES * G::SA;
          const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
          const int wm = warp % WM, wn = warp / WM;
          const int col0 = blockIdx.x * G::BN, column = col0 + 4 * (threadIdx.x % (G::BN / 4));
          const long long begin = (long long)blockIdx.y * per, end = min(rows0 + rows1, begin + per);
          const unsigned smem = wg_shared(wg_smem);
          const float* a1m = reinterpret_cast<const float*>(reinterpret_cast<unsigned long long>(a1) - 4ull * G::M * rows0);
          const float* b1m = reinterpret_cast<const float*>(reinterpret_cast<unsigned long long>(b1) - 4ull * n * rows0);
          const int chunks = begin < end ? int((end - begin + 15) / 16) : 0;
          const int stages = (chunks * 16 + WG_BK - 1) / WG_BK;
          double* out = partials + (long long)blockIdx.y * G::M * n;
          float acc[MT][4][4];
          #pragma unroll
          for (int mt = 0; mt < MT; ++mt)
            #pragma unroll
            for (int nt = 0; nt < 4; ++nt)
              #pragma unroll
              for (int q = 0; q < 4; ++q) acc[mt][nt][q] = 0.f;
          if (chunks == 0) { wg_flush<MT, WM>(acc, out, n, col0, true); return; }
          #pragma unroll
          for (int s = 0; s < WG_STAGES - 1; ++s) {
            if (s < stages) wg_load<MT, WM, WN>(smem, s, a0, b0, a1m, b1m, rows0, begin, end, n, column < n, column, begin + s * WG_BK);
            else asm volatile("cp.async.commit_group;\\n" ::);
          }
          bool first = true;
          for (int st = 0; st < stages; ++st) {
            asm volatile("cp.async.wait_group %0;\\n" :: "n"(WG_STAGES - 2));
            __syncthreads();
            const int next = st + WG_STAGES - 1;
            if (next < stages) {
              wg_load<MT, WM, WN>(smem, next % WG_STAGES, a0, b0, a1m, b1m, rows0, begin, end, n, column < n, column,
                                  begin + (long long)next * WG_BK);
            } else {
              asm volatile("cp.async.commit_group;\\n" ::);
            }
            const float* A = as + (st % WG_STAGES) * G::SA;
            const float* B = bs + (st % WG_STAGES) * G::SB;
            #pragma unroll
            for (int sub = 0; sub < WG_BK / 16; ++sub) {
              const int ch = st * (WG_BK / 16) + sub;
              if (ch >= chunks) break;
              float p[MT][4][4];
              #pragma unroll
              for (int mt = 0; mt < MT; ++mt)
                #pragma unroll
                for (int nt = 0; nt < 4; ++nt)
                  #pragma unroll
                  for (int q = 0; q < 4; ++q) p[mt][nt][q] = 0.f;
              #pragma unroll
              for (int kk = 16 * sub; kk < 16 * sub + 16; kk += 8) {
                // A fragment (m, k) = A[k][m] and B fragment (k, n) = B[k][n] at k = tig, tig + 4 (relabelled m, n).
                float e0[2 * MT], e4[2 * MT];
                wg_arow<MT, WM, WN>(A, kk + tig, wm, gid, e0);
                wg_arow<MT, WM, WN>(A, kk + tig + 4, wm, gid, e4);
                const float4 f0 = *reinterpret_cast<const float4*>(B + (kk + tig) * G::BN + 4 * ((8 * wn + gid) ^ G::swb(kk + tig)));
                const float4 f4 =
                    *reinterpret_cast<const float4*>(B + (kk + tig + 4) * G::BN + 4 * ((8 * wn + gid) ^ G::swb(kk + tig + 4)));
                unsigned ah[MT][4], al[MT][4];
                #pragma unroll
                for (int mt = 0; mt < MT; ++mt) {
                  wg_split(e0[2 * mt], ah[mt][0], al[mt][0]);
                  wg_split(e0[2 * mt + 1], ah[mt][1], al[mt][1]);
                  wg_split(e4[2 * mt], ah[mt][2], al[mt][2]);
                  wg_split(e4[2 * mt + 1], ah[mt][3], al[mt][3]);
                }
                const float g0[4] = {f0.x, f0.y, f0.z, f0.w}, g4[4] = {f4.x, f4.y, f4.z, f4.w};
                #pragma unroll
                for (int nt = 0; nt < 4; ++nt) {
                  unsigned h0, l0, h1, l1;
                  wg_split(g0[nt], h0, l0);
                  wg_split(g4[nt], h1, l1);
                  #pragma unroll
                  for (int mt = 0; mt < MT; ++mt) {
                    wg_mma(p[mt][nt], al[mt], h0, h1);
                    wg_mma(p[mt][nt], ah[mt], l0, l1);
                    wg_mma(p[mt][nt], ah[mt], h0, h1);
                  }
                }
              }
              #pragma unroll
              for (int mt = 0; mt < MT; ++mt)
                #pragma unroll
                for (int nt = 0; nt < 4; ++nt)
                  #pragma unroll
                  for (int q = 0; q < 4; ++q) acc[mt][nt][q] += p[mt][nt][q];
              if ((ch + 1) % WG_FLUSH == 0 || ch + 1 == chunks) {
                wg_flush<MT, WM>(acc, out, n, col0, first);
                first = false;
              }
            }
          }
        }

        // Register cap 128 (16 warps per SM): 16 / (WM·WN) blocks.
        #define SWIFTMACE_WEIGHT_GRADIENT(MT, WM, WN, NAME) \\
        extern "C" __global__ void __launch_bounds__(32 * WM * WN, 16 / (WM * WN)) weight_gradient_3xtf32_##NAME(int n, \\
            long long rows0, long long rows1, long long per, const float* __restrict__ a0, const float* __restrict__ b0, \\
            const float* __restrict__ a1, const float* __restrict__ b1, double* __restrict__ partials) { \\
          wg_body<MT, WM, WN>(n, rows0, rows1, per, a0, b0, a1, b1, partials); }
        SWIFTMACE_WEIGHT_GRADIENT(2, 2, 4, m64_n128)
        SWIFTMACE_WEIGHT_GRADIENT(2, 2, 2, m64_n64)
        SWIFTMACE_WEIGHT_GRADIENT(2, 1, 4, m32_n128)
        SWIFTMACE_WEIGHT_GRADIENT(2, 1, 2, m32_n64)
        SWIFTMACE_WEIGHT_GRADIENT(1, 1, 4, m16_n128)
        SWIFTMACE_WEIGHT_GRADIENT(1, 1, 2, m16_n64)

        extern "C" __global__ void weight_gradient_sum(int count, int splits, const double* __restrict__ partials,
                                                       float* __restrict__ c) {
          const int i = blockIdx.x * blockDim.x + threadIdx.x;
          if (i >= count) return;
          double s = 0.;
          for (int j = 0; j < splits; ++j) s += partials[(long long)j * count + i];
          c[i] = float(s);
        }

        """
}
