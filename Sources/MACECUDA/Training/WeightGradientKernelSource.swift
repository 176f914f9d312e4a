// SwiftMACE, MIT licence.
// WeightGradientKernelSource: CUDA C++ of the radial MLP's float32 weight gradient `C = A₀ᵀ·B₀ + A₁ᵀ·B₁` over
// millions of edge rows, as 3xTF32 on tensor cores split over K, with a fixed-order (bitwise reproducible) sum.

/// Appended to ``ModelKernelSource/code``; self-contained (the check compiles it alone).
///
/// Entry points:
/// - `weight_gradient_3xtf32_m{16,32,64}_n{64,128}(n, rows0, rows1, per, a0, b0, a1, b1, partials f64)`:
///   A `[rows, m]`, B `[rows, n]` row-major float32 (16-byte aligned, n a multiple of 4); the virtual rows
///   `[pair 0; pair 1]` cut into splits of `per` rows (a multiple of 16), block (x, y) = (column tile of 64 or 128,
///   split), each block's `[m, tile]` sum of its split into `partials[y]` (`[splits, m, n]`, float64).
/// - `weight_gradient_sum(count, splits, partials, c)`: `c[i] = Σ_s partials[s][i]` in split order, rounded once.
///
/// Each k step of 8 splits A and B into TF32 parts rounded to nearest and runs three products
/// (`a_lo·b_hi + a_hi·b_lo + a_hi·b_hi`). The mma's own fp32 accumulation truncates, so each 16-row chunk sums in
/// fresh accumulators that are added to running float32 sums with IEEE rounding, which go to the float64 partials
/// every `WG_FLUSH` chunks (a float32 running sum over a split's ~15000 chunks would drift to ~1e-5).
enum WeightGradientKernelSource {
    /// Columns of A (the MLP layer's inputs) with a kernel: one to four 16-row mma tiles.
    static let inputs: Set<Int> = [16, 32, 64]
    /// Rows per chunk: the split length is a multiple of it.
    static let chunkRows = 16

    static let code = """

        // ---- Radial MLP weight gradient (Sources/MACECUDA/Training/WeightGradientKernelSource.swift) ----
        constexpr int WG_BK = 16, WG_STAGES = 3, WG_FLUSH = 512;

        __device__ __forceinline__ unsigned wg_tf32(float v) { return (__float_as_uint(v) + 0x1000u) & 0xffffe000u; }
        __device__ __forceinline__ void wg_split(float v, unsigned& hi, unsigned& lo) {
          hi = wg_tf32(v); lo = wg_tf32(v - __uint_as_float(hi)); }
        __device__ __forceinline__ void wg_cp16(float* dst, const float* src, int bytes) {
          unsigned s;
          asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(s) : "l"(dst));
          asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\\n" :: "r"(s), "l"(src), "r"(bytes));
        }
        __device__ __forceinline__ void wg_mma(float* c, const unsigned* a, unsigned b0, unsigned b1) {
          asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\\n"
                       : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                       : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
        }

        // Chunk rows v = k0.. of the virtual rows [pair 0; pair 1] into shared memory (zeros from `end` on and past
        // column n): A as [WG_BK][16·MT + 8], B's column tile as [WG_BK][BN + 8] (strides ≡ 8 or 24 mod 32: the
        // fragment reads are conflict-free).
        template <int MT, int WN>
        __device__ __forceinline__ void wg_load(float* as, float* bs, const float* __restrict__ a0, const float* __restrict__ b0,
                                                const float* __restrict__ a1, const float* __restrict__ b1, long long rows0,
                                                long long end, int n, int col0, long long k0) {
          constexpr int M = 16 * MT, LDA = M + 8, BN = 32 * WN, LDB = BN + 8;
          for (int p = threadIdx.x; p < WG_BK * (M / 4); p += 32 * WN) {
            const int r = p / (M / 4), c = (p % (M / 4)) * 4;
            const long long v = k0 + r;
            const bool ok = v < end;
            wg_cp16(as + r * LDA + c, ok ? (v < rows0 ? a0 + v * M : a1 + (v - rows0) * M) + c : a0, ok ? 16 : 0);
          }
          for (int p = threadIdx.x; p < WG_BK * (BN / 4); p += 32 * WN) {
            const int r = p / (BN / 4), c = (p % (BN / 4)) * 4;
            const long long v = k0 + r;
            const bool ok = v < end && col0 + c < n;
            wg_cp16(bs + r * LDB + c, ok ? (v < rows0 ? b0 + v * n : b1 + (v - rows0) * n) + col0 + c : b0, ok ? 16 : 0);
          }
          asm volatile("cp.async.commit_group;\\n" ::);
        }

        // The warp's running sums into (first) or onto the block's float64 partial tile (columns < n), then cleared.
        template <int MT>
        __device__ __forceinline__ void wg_flush(float (&acc)[MT][4][4], double* out, int n, int col0, bool first) {
          const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
          #pragma unroll
          for (int mt = 0; mt < MT; ++mt)
            #pragma unroll
            for (int nt = 0; nt < 4; ++nt)
              #pragma unroll
              for (int h = 0; h < 2; ++h) {
                const int col = col0 + warp * 32 + nt * 8 + 2 * tig;
                if (col >= n) continue;
                double2* o = reinterpret_cast<double2*>(out + (long long)(mt * 16 + gid + 8 * h) * n + col);
                const double2 old = first ? make_double2(0., 0.) : *o;
                *o = make_double2(old.x + double(acc[mt][nt][2 * h]), old.y + double(acc[mt][nt][2 * h + 1]));
                acc[mt][nt][2 * h] = 0.f; acc[mt][nt][2 * h + 1] = 0.f;
              }
        }

        // Block (column tile, split): WN warps, each all 16·MT rows of C × 32 columns (MT × 4 m16n8 tiles), over
        // the split's rows in chunks of WG_BK, WG_STAGES-deep cp.async pipeline.
        template <int MT, int WN>
        __device__ __forceinline__ void wg_body(int n, long long rows0, long long rows1, long long per,
                                                const float* __restrict__ a0, const float* __restrict__ b0,
                                                const float* __restrict__ a1, const float* __restrict__ b1,
                                                double* __restrict__ partials) {
          constexpr int M = 16 * MT, LDA = M + 8, BN = 32 * WN, LDB = BN + 8;
          __shared__ __align__(16) float as[WG_STAGES][WG_BK * LDA];
          __shared__ __align__(16) float bs[WG_STAGES][WG_BK * LDB];
          const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
          const int col0 = blockIdx.x * BN;
          const long long begin = (long long)blockIdx.y * per, end = min(rows0 + rows1, begin + per);
          const int chunks = begin < end ? int((end - begin + WG_BK - 1) / WG_BK) : 0;
          double* out = partials + (long long)blockIdx.y * M * n;
          float acc[MT][4][4];
          #pragma unroll
          for (int mt = 0; mt < MT; ++mt)
            #pragma unroll
            for (int nt = 0; nt < 4; ++nt)
              #pragma unroll
              for (int q = 0; q < 4; ++q) acc[mt][nt][q] = 0.f;
          if (chunks == 0) { wg_flush<MT>(acc, out, n, col0, true); return; }
          #pragma unroll
          for (int s = 0; s < WG_STAGES - 1; ++s) {
            if (s < chunks) wg_load<MT, WN>(as[s], bs[s], a0, b0, a1, b1, rows0, end, n, col0, begin + s * WG_BK);
            else asm volatile("cp.async.commit_group;\\n" ::);
          }
          bool first = true;
          for (int ch = 0; ch < chunks; ++ch) {
            asm volatile("cp.async.wait_group %0;\\n" :: "n"(WG_STAGES - 2));
            __syncthreads();
            const int next = ch + WG_STAGES - 1;
            if (next < chunks) {
              wg_load<MT, WN>(as[next % WG_STAGES], bs[next % WG_STAGES], a0, b0, a1, b1, rows0, end, n, col0,
                          begin + (long long)next * WG_BK);
            } else {
              asm volatile("cp.async.commit_group;\\n" ::);
            }
            const float* A = as[ch % WG_STAGES];
            const float* B = bs[ch % WG_STAGES];
            float p[MT][4][4];
            #pragma unroll
            for (int mt = 0; mt < MT; ++mt)
              #pragma unroll
              for (int nt = 0; nt < 4; ++nt)
                #pragma unroll
                for (int q = 0; q < 4; ++q) p[mt][nt][q] = 0.f;
            #pragma unroll
            for (int kk = 0; kk < WG_BK; kk += 8) {
              // A fragment (m, k) = A[k][m]: rows gid, gid + 8 of each 16-row tile, k = tig, tig + 4.
              unsigned ah[MT][4], al[MT][4];
              #pragma unroll
              for (int mt = 0; mt < MT; ++mt) {
                const float* x = A + (kk + tig) * LDA + mt * 16 + gid;
                wg_split(x[0], ah[mt][0], al[mt][0]);
                wg_split(x[8], ah[mt][1], al[mt][1]);
                wg_split(x[4 * LDA], ah[mt][2], al[mt][2]);
                wg_split(x[4 * LDA + 8], ah[mt][3], al[mt][3]);
              }
              #pragma unroll
              for (int nt = 0; nt < 4; ++nt) {
                const float* y = B + (kk + tig) * LDB + warp * 32 + nt * 8 + gid;
                unsigned h0, l0, h1, l1;
                wg_split(y[0], h0, l0);
                wg_split(y[4 * LDB], h1, l1);
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
              wg_flush<MT>(acc, out, n, col0, first);
              first = false;
            }
          }
        }

        #define SWIFTMACE_WEIGHT_GRADIENT(MT, WN, NAME) \\
        extern "C" __global__ void __launch_bounds__(32 * WN, 8 / WN) weight_gradient_3xtf32_##NAME(int n, \\
            long long rows0, long long rows1, long long per, const float* __restrict__ a0, const float* __restrict__ b0, \\
            const float* __restrict__ a1, const float* __restrict__ b1, double* __restrict__ partials) { \\
          wg_body<MT, WN>(n, rows0, rows1, per, a0, b0, a1, b1, partials); }
        SWIFTMACE_WEIGHT_GRADIENT(4, 4, m64_n128)
        SWIFTMACE_WEIGHT_GRADIENT(4, 2, m64_n64)
        SWIFTMACE_WEIGHT_GRADIENT(2, 4, m32_n128)
        SWIFTMACE_WEIGHT_GRADIENT(2, 2, m32_n64)
        SWIFTMACE_WEIGHT_GRADIENT(1, 4, m16_n128)
        SWIFTMACE_WEIGHT_GRADIENT(1, 2, m16_n64)

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
