// SwiftMACE, MIT licence.
// RadialMLPKernelSource: CUDA C++ of the fused radial MLP: the hidden layers forward and backward as one kernel each
// (rows of one edge per thread, tiles staged in shared memory), and the big backward GEMM as 3xTF32 on tensor cores.

/// The radial MLP's hidden part when every layer's MLP has it: `inputs` → `depth` layers of `width` with one
/// activation (scale 1: the CPU model folds hidden activation constants into the next weight) → a last layer
/// without activation. Width a multiple of 8, at most 64 (the 3xTF32 kernel's tile holds the whole width), inputs at
/// most the width (the input shares the tile).
struct RadialMLPShape: Equatable {
    let inputs: Int
    let width: Int
    let depth: Int
    let activation: String

    /// The shape shared by every layer's MLP (`[inputs, outputs, activation]` per MLP layer), or nil.
    init?(_ layers: [[(inputs: Int, outputs: Int, activation: String?)]]) {
        guard let first = layers.first, first.count >= 2, let activation = first[0].activation,
            ["silu", "tanh"].contains(activation)
        else { return nil }
        let width = first[0].outputs
        guard width % 8 == 0, width <= 64, first[0].inputs <= width else { return nil }
        for mlp in layers {
            guard mlp.count == first.count, mlp[0].inputs == first[0].inputs, mlp.last?.activation == nil,
                mlp.last?.inputs == width
            else { return nil }
            for (k, layer) in mlp.dropLast().enumerated() {
                guard layer.outputs == width, layer.activation == activation, k == 0 || layer.inputs == width
                else { return nil }
            }
        }
        (inputs, self.width, depth, self.activation) = (first[0].inputs, width, first.count - 1, activation)
    }

    /// Dynamic shared memory of the float32 tensor-core kernels: a 128-row tile of stride width + 4 and the weights
    /// as B rows (forward: layer 0 `[width, k0 + 4]`, the others `[width, width + 4]`; backward: the others, then
    /// layer 0 as `[k0, width + 4]`; k0 = inputs rounded up to 8).
    var tensorCoreSharedBytes: (forward: Int, backward: Int) {
        let (k0, ld) = ((inputs + 7) / 8 * 8, width + 4)
        return (
            4 * (128 * ld + width * (k0 + 4) + (depth - 1) * width * ld),
            4 * (128 * ld + (depth - 1) * width * ld + k0 * ld)
        )
    }

    /// Scalars of the concatenated hidden weights `[W_0 (inputs × width); W_1 … W_{depth−1} (width × width)]`.
    var hiddenWeightCount: Int { inputs * width + (depth - 1) * width * width }

    /// Kernel entry points:
    /// - `mlp_forward_<act>_f64(edges, x T[E,inputs], w T[hidden weights], z_0 … z_{depth−1} T[E,width],
    ///   out, mode)` (float64, IEEE FMAs, one edge row per thread): the pre-activations `z_k` and the last hidden
    ///   activation `a` in `out` by `mode`: 0 nowhere, 1 `T[E,width]`, and for float32 only (the `_tc` kernels) 2
    ///   3xTF32 rows `[a_hi | a_hi | a_lo]` of `3·width` (parts rounded to nearest), 3 bf16, 4 fp16.
    /// - `mlp_backward_<act>_f64(edges, g T[E,width], w, z_0 … z_{depth−1}, gx T[E,inputs], accumulate)`:
    ///   from `g` = d/d(last hidden activation), `gx (+)= d/dx`.
    /// - `mlp_forward_tc_<act>`, `mlp_backward_tc_<act>`: the same for float32 on tensor cores (3xTF32 products,
    ///   128 threads, ``tensorCoreSharedBytes`` of dynamic shared memory, blocks looping over 128-edge tiles);
    ///   `mlp_{forward,backward}_tc1_<act>` with one TF32 product (the 16-bit policies).
    /// - `mlp_grad_3xtf32(rows, k, a f32[rows,k], b f32[2,width,k], c f32[rows,width])`: `c = a · (b_hi + b_lo)ᵀ`
    ///   with `b` the last layer's weight `[width, k]` pre-split into TF32 parts and `a` split in registers,
    ///   three TF32 products (`a_lo·b_hi + a_hi·b_lo + a_hi·b_hi`) per k step: float32-class error.
    var code: String {
        let zIn = (0..<depth).map { "const T* __restrict__ z\($0)" }.joined(separator: ", ")
        let zOut = (0..<depth).map { "T* __restrict__ z\($0)" }.joined(separator: ", ")
        let zList = (0..<depth).map { "z\($0)" }.joined(separator: ", ")
        let zInF = (0..<depth).map { "const float* __restrict__ z\($0)" }.joined(separator: ", ")
        let zOutF = (0..<depth).map { "float* __restrict__ z\($0)" }.joined(separator: ", ")
        let act = activation == "silu" ? "silu" : "tanh_act", grad = activation == "silu" ? "silu_grad" : "tanh_grad"
        return """
            // Fused radial MLP (Sources/MACECUDA/RadialMLPKernelSource.swift).
            constexpr int MLP_IN = \(inputs);
            constexpr int MLP_H = \(width);
            constexpr int MLP_D = \(depth);
            constexpr int MLP_LD = MLP_H + 1;  // tile row stride: one thread's row walk is bank-conflict free

            template <typename T> struct MLPTile { static constexpr int rows = 512 / sizeof(T); };

            // TF32 parts rounded to nearest (low 13 bits clear): v ≈ hi + lo with |lo| ≤ 2⁻¹¹|v|, lo's own rounding
            // 2⁻¹¹|lo|, so the three products of a 3xTF32 step lose ≈2⁻²² per product, without a sign bias.
            __device__ __forceinline__ unsigned tf32_rn(float v) { return (__float_as_uint(v) + 0x1000u) & 0xffffe000u; }
            __device__ __forceinline__ void tf32_split(float v, unsigned& hi, unsigned& lo) {
              hi = tf32_rn(v); lo = tf32_rn(v - __uint_as_float(hi)); }

            __device__ __forceinline__ void mlp_load4(const float* __restrict__ p, float* v) {
              const float4 q = __ldg(reinterpret_cast<const float4*>(p)); v[0] = q.x; v[1] = q.y; v[2] = q.z; v[3] = q.w; }
            __device__ __forceinline__ void mlp_load4(const double* __restrict__ p, double* v) {
              const double2 a = __ldg(reinterpret_cast<const double2*>(p)), b = __ldg(reinterpret_cast<const double2*>(p) + 1);
              v[0] = a.x; v[1] = a.y; v[2] = b.x; v[3] = b.y; }

            // Rows row0..<row0+rows of a [*, width] array into the tile (zeros past `rows`), coalesced.
            template <typename T>
            __device__ __forceinline__ void mlp_tile_load(T* tile, const T* __restrict__ src, long long row0, int rows, int width) {
              const int n = MLPTile<T>::rows * width;
              for (int i = threadIdx.x; i < n; i += blockDim.x) {
                const int r = i / width, c = i % width;
                tile[r * MLP_LD + c] = r < rows ? src[(row0 + r) * width + c] : T(0);
              }
            }

            template <typename T>
            __device__ __forceinline__ void mlp_tile_store(const T* tile, T* __restrict__ dst, long long row0, int rows) {
              for (int i = threadIdx.x; i < rows * MLP_H; i += blockDim.x)
                dst[row0 * MLP_H + i] = tile[(i / MLP_H) * MLP_LD + i % MLP_H];
            }

            // acc = row · W for this thread's tile row (`n_in` wide) and W [n_in, MLP_H] row-major.
            template <typename T>
            __device__ __forceinline__ void mlp_row_times(const T* row, int n_in, const T* __restrict__ w, T* acc) {
              #pragma unroll
              for (int j = 0; j < MLP_H; ++j) acc[j] = T(0);
              for (int i = 0; i < n_in; ++i) {
                const T a = row[i];
                #pragma unroll
                for (int j = 0; j < MLP_H; j += 4) {
                  T q[4];
                  mlp_load4(w + i * MLP_H + j, q);
                  acc[j] += a * q[0]; acc[j + 1] += a * q[1]; acc[j + 2] += a * q[2]; acc[j + 3] += a * q[3];
                }
              }
            }

            template <typename T>
            __device__ __forceinline__ void mlp_forward_body(int edges, const T* __restrict__ x, const T* __restrict__ w,
                                                             T* const* z, void* out, int mode) {
              constexpr int ROWS = MLPTile<T>::rows;
              __shared__ T tile[ROWS * MLP_LD];
              const long long row0 = (long long)blockIdx.x * ROWS;
              const int rows = min(ROWS, int(edges - row0));
              T* row = tile + threadIdx.x * MLP_LD;
              mlp_tile_load(tile, x, row0, rows, MLP_IN);
              __syncthreads();
              T acc[MLP_H];
              #pragma unroll 1
              for (int k = 0; k < MLP_D; ++k) {
                mlp_row_times(row, k == 0 ? MLP_IN : MLP_H, w + (k == 0 ? 0 : MLP_IN * MLP_H + (k - 1) * MLP_H * MLP_H), acc);
                __syncthreads();
                #pragma unroll
                for (int j = 0; j < MLP_H; ++j) row[j] = acc[j];
                __syncthreads();
                mlp_tile_store(tile, z[k], row0, rows);
                __syncthreads();
                #pragma unroll
                for (int j = 0; j < MLP_H; ++j) row[j] = \(act)(acc[j]);
              }
              __syncthreads();
              if (mode == 1) mlp_tile_store(tile, static_cast<T*>(out), row0, rows);
            }

            template <typename T>
            __device__ __forceinline__ void mlp_backward_body(int edges, const T* __restrict__ g, const T* __restrict__ w,
                                                              const T* const* z, T* __restrict__ gx, int accumulate) {
              constexpr int ROWS = MLPTile<T>::rows;
              __shared__ T tile[ROWS * MLP_LD];
              const long long row0 = (long long)blockIdx.x * ROWS;
              const int rows = min(ROWS, int(edges - row0));
              T* row = tile + threadIdx.x * MLP_LD;
              mlp_tile_load(tile, g, row0, rows, MLP_H);
              __syncthreads();
              T d[MLP_H];
              #pragma unroll
              for (int j = 0; j < MLP_H; ++j) d[j] = row[j];
              #pragma unroll 1
              for (int k = MLP_D - 1; k >= 0; --k) {
                __syncthreads();
                mlp_tile_load(tile, z[k], row0, rows, MLP_H);
                __syncthreads();
                #pragma unroll
                for (int j = 0; j < MLP_H; ++j) d[j] *= \(grad)(row[j]);
                const T* wk = w + (k == 0 ? 0 : MLP_IN * MLP_H + (k - 1) * MLP_H * MLP_H);
                const int n_out = k == 0 ? MLP_IN : MLP_H;
                // d/d(input of layer k)[i] = Σ_j d[j] · W_k[i, j], into this thread's tile row.
                for (int i = 0; i < n_out; ++i) {
                  T s[4] = {T(0), T(0), T(0), T(0)};
                  #pragma unroll
                  for (int j = 0; j < MLP_H; j += 4) {
                    T q[4];
                    mlp_load4(wk + i * MLP_H + j, q);
                    s[0] += d[j] * q[0]; s[1] += d[j + 1] * q[1]; s[2] += d[j + 2] * q[2]; s[3] += d[j + 3] * q[3];
                  }
                  row[i] = (s[0] + s[1]) + (s[2] + s[3]);
                }
                if (k > 0) {
                  #pragma unroll
                  for (int j = 0; j < MLP_H; ++j) d[j] = row[j];
                }
              }
              const long long e = row0 + threadIdx.x;
              if (threadIdx.x < rows) {
                #pragma unroll
                for (int n = 0; n < MLP_IN; ++n) gx[e * MLP_IN + n] = (accumulate ? gx[e * MLP_IN + n] : T(0)) + row[n];
              }
            }

            #define SWIFTMACE_MLP(T, SUFFIX) \\
            extern "C" __global__ void __launch_bounds__(MLPTile<T>::rows) mlp_forward_\(activation)_##SUFFIX(int edges, \\
                const T* __restrict__ x, const T* __restrict__ w, \(zOut), void* out, int mode) { \\
              T* const z[MLP_D] = {\(zList)}; \\
              mlp_forward_body<T>(edges, x, w, z, out, mode); } \\
            extern "C" __global__ void __launch_bounds__(MLPTile<T>::rows) mlp_backward_\(activation)_##SUFFIX(int edges, \\
                const T* __restrict__ g, const T* __restrict__ w, \(zIn), T* __restrict__ gx, int accumulate) { \\
              const T* const z[MLP_D] = {\(zList)}; \\
              mlp_backward_body<T>(edges, g, w, z, gx, accumulate); }
            SWIFTMACE_MLP(double, f64)

            // 3xTF32 `c = a · bᵀ` (b = [b_hi; b_lo], each [MLP_H, k]): 128 rows per block, 4 warps of 32 rows ×
            // MLP_H columns (m16n8k8 tiles), k in steps of 16 double-buffered with cp.async.
            constexpr int G_BM = 128, G_BK = 16, G_LD = 20;
            __device__ __forceinline__ void mlp_cp16(float* dst, const float* src, int bytes) {
              unsigned s;
              asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(s) : "l"(dst));
              asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\\n" :: "r"(s), "l"(src), "r"(bytes));
            }
            __device__ __forceinline__ void mlp_mma(float* c, const unsigned* a, unsigned b0, unsigned b1) {
              asm volatile("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\\n"
                           : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                           : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
            }
            __device__ __forceinline__ void mlp_grad_load(float* as, float* bh, float* bl, const float* __restrict__ a,
                                                          const float* __restrict__ b, int rows, int k, long long row0, int k0) {
              for (int p = threadIdx.x; p < G_BM * 4; p += blockDim.x) {
                const int r = p >> 2, c = (p & 3) * 4;
                const bool ok = row0 + r < rows && k0 + c < k;
                mlp_cp16(as + r * G_LD + c, ok ? a + (row0 + r) * k + k0 + c : a, ok ? 16 : 0);
              }
              for (int p = threadIdx.x; p < MLP_H * 4; p += blockDim.x) {
                const int r = p >> 2, c = (p & 3) * 4;
                const bool ok = k0 + c < k;
                mlp_cp16(bh + r * G_LD + c, ok ? b + (long long)r * k + k0 + c : b, ok ? 16 : 0);
                mlp_cp16(bl + r * G_LD + c, ok ? b + (long long)(MLP_H + r) * k + k0 + c : b, ok ? 16 : 0);
              }
              asm volatile("cp.async.commit_group;\\n" ::);
            }
            extern "C" __global__ void __launch_bounds__(128) mlp_grad_3xtf32(int rows, int k, const float* __restrict__ a,
                                                                             const float* __restrict__ b, float* __restrict__ c) {
              __shared__ __align__(16) float as[2][G_BM * G_LD];
              __shared__ __align__(16) float bh[2][MLP_H * G_LD];
              __shared__ __align__(16) float bl[2][MLP_H * G_LD];
              const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
              const long long row0 = (long long)blockIdx.x * G_BM;
              float acc[2][MLP_H / 8][4];
              #pragma unroll
              for (int m = 0; m < 2; ++m)
                #pragma unroll
                for (int n = 0; n < MLP_H / 8; ++n)
                  #pragma unroll
                  for (int q = 0; q < 4; ++q) acc[m][n][q] = 0.f;
              const int chunks = (k + G_BK - 1) / G_BK;
              mlp_grad_load(as[0], bh[0], bl[0], a, b, rows, k, row0, 0);
              for (int ch = 0; ch < chunks; ++ch) {
                const int s = ch & 1;
                if (ch + 1 < chunks) mlp_grad_load(as[s ^ 1], bh[s ^ 1], bl[s ^ 1], a, b, rows, k, row0, (ch + 1) * G_BK);
                else asm volatile("cp.async.commit_group;\\n" ::);
                asm volatile("cp.async.wait_group 1;\\n" ::);
                __syncthreads();
                // This chunk's products in fresh accumulators, then added to the running sums with IEEE rounding:
                // the tensor cores' fp32 accumulation truncates, which over a depth of ~1000 drifts (6.9e-6 force
                // error on water_gpu_128 when accumulated in the mma alone).
                float p[2][MLP_H / 8][4];
                #pragma unroll
                for (int m = 0; m < 2; ++m)
                  #pragma unroll
                  for (int n = 0; n < MLP_H / 8; ++n)
                    #pragma unroll
                    for (int q = 0; q < 4; ++q) p[m][n][q] = 0.f;
                #pragma unroll
                for (int kk = 0; kk < G_BK; kk += 8) {
                  unsigned ah[2][4], al[2][4];
                  #pragma unroll
                  for (int m = 0; m < 2; ++m) {
                    const int r = warp * 32 + m * 16 + gid;
                    const float v[4] = {as[s][r * G_LD + kk + tig], as[s][(r + 8) * G_LD + kk + tig],
                                        as[s][r * G_LD + kk + tig + 4], as[s][(r + 8) * G_LD + kk + tig + 4]};
                    #pragma unroll
                    for (int q = 0; q < 4; ++q) tf32_split(v[q], ah[m][q], al[m][q]);
                  }
                  #pragma unroll
                  for (int n = 0; n < MLP_H / 8; ++n) {
                    const int col = (n * 8 + gid) * G_LD + kk + tig;
                    const unsigned h0 = __float_as_uint(bh[s][col]), h1 = __float_as_uint(bh[s][col + 4]);
                    const unsigned l0 = __float_as_uint(bl[s][col]), l1 = __float_as_uint(bl[s][col + 4]);
                    #pragma unroll
                    for (int m = 0; m < 2; ++m) {
                      mlp_mma(p[m][n], al[m], h0, h1);
                      mlp_mma(p[m][n], ah[m], l0, l1);
                      mlp_mma(p[m][n], ah[m], h0, h1);
                    }
                  }
                }
                #pragma unroll
                for (int m = 0; m < 2; ++m)
                  #pragma unroll
                  for (int n = 0; n < MLP_H / 8; ++n)
                    #pragma unroll
                    for (int q = 0; q < 4; ++q) acc[m][n][q] += p[m][n][q];
                __syncthreads();
              }
              #pragma unroll
              for (int m = 0; m < 2; ++m) {
                const long long r = row0 + warp * 32 + m * 16 + gid;
                #pragma unroll
                for (int n = 0; n < MLP_H / 8; ++n) {
                  const int col = n * 8 + 2 * tig;
                  if (r < rows) *reinterpret_cast<float2*>(c + r * MLP_H + col) = make_float2(acc[m][n][0], acc[m][n][1]);
                  if (r + 8 < rows) *reinterpret_cast<float2*>(c + (r + 8) * MLP_H + col) = make_float2(acc[m][n][2], acc[m][n][3]);
                }
              }
            }

            // The hidden layers on tensor cores (float32 storage, 3xTF32 products): 128-edge tiles in shared memory
            // (row stride TC_LD), each warp 32 rows × all columns; weights staged once per block as B[n][k] rows;
            // blocks loop over tiles.
            constexpr int TC_ROWS = 128, TC_LD = MLP_H + 4, TC_K0 = (MLP_IN + 7) / 8 * 8, TC_LD0 = TC_K0 + 4;

            // acc = x · B (x: the warp's 32 rows of the tile, `ksteps`·8 deep; B as [n][k] rows of stride ldb, split into
            // TF32 parts as it is read): 3xTF32 products, or one TF32 product when !THREE (the 16-bit policies).
            template <bool THREE, int NT>
            __device__ __forceinline__ void tc_tile(float (&acc)[2][NT][4], const float* x, int ksteps, const float* b, int ldb) {
              const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
              #pragma unroll
              for (int m = 0; m < 2; ++m)
                #pragma unroll
                for (int n = 0; n < NT; ++n)
                  #pragma unroll
                  for (int q = 0; q < 4; ++q) acc[m][n][q] = 0.f;
              for (int kk = 0; kk < 8 * ksteps; kk += 8) {
                unsigned ah[2][4], al[2][4];
                #pragma unroll
                for (int m = 0; m < 2; ++m) {
                  const int r = warp * 32 + m * 16 + gid;
                  tf32_split(x[r * TC_LD + kk + tig], ah[m][0], al[m][0]);
                  tf32_split(x[(r + 8) * TC_LD + kk + tig], ah[m][1], al[m][1]);
                  tf32_split(x[r * TC_LD + kk + tig + 4], ah[m][2], al[m][2]);
                  tf32_split(x[(r + 8) * TC_LD + kk + tig + 4], ah[m][3], al[m][3]);
                }
                #pragma unroll
                for (int n = 0; n < NT; ++n) {
                  const int col = (n * 8 + gid) * ldb + kk + tig;
                  unsigned h0, l0, h1, l1;
                  tf32_split(b[col], h0, l0);
                  tf32_split(b[col + 4], h1, l1);
                  #pragma unroll
                  for (int m = 0; m < 2; ++m) {
                    if (THREE) {
                      mlp_mma(acc[m][n], al[m], h0, h1);
                      mlp_mma(acc[m][n], ah[m], l0, l1);
                    }
                    mlp_mma(acc[m][n], ah[m], h0, h1);
                  }
                }
              }
            }

            // The warp's accumulators into its tile rows, through `f`.
            template <int NT, typename F>
            __device__ __forceinline__ void tc_put(float* tile, const float (&acc)[2][NT][4], F f) {
              const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
              #pragma unroll
              for (int m = 0; m < 2; ++m)
                #pragma unroll
                for (int n = 0; n < NT; ++n) {
                  const int r = warp * 32 + m * 16 + gid, c = n * 8 + 2 * tig;
                  tile[r * TC_LD + c] = f(acc[m][n][0]); tile[r * TC_LD + c + 1] = f(acc[m][n][1]);
                  tile[(r + 8) * TC_LD + c] = f(acc[m][n][2]); tile[(r + 8) * TC_LD + c + 1] = f(acc[m][n][3]);
                }
            }

            // Whole-tile transfers as float4, each thread's loads all issued before it uses them (the loops are
            // latency-bound otherwise). TC_Q float4 per row; every thread moves TC_Q of them per 128 rows.
            constexpr int TC_Q = MLP_H / 4;
            __device__ __forceinline__ void tc_index(int j, int& r, int& c) {
              const int i = threadIdx.x + j * TC_ROWS; r = i / TC_Q; c = (i % TC_Q) * 4; }
            __device__ __forceinline__ float4 tc_ld(const float* __restrict__ src, long long row0, int rows, int r, int c) {
              return r < rows ? __ldg(reinterpret_cast<const float4*>(src + (row0 + r) * MLP_H + c)) : make_float4(0.f, 0.f, 0.f, 0.f); }
            __device__ __forceinline__ float4& tc_at(float* tile, int r, int c) { return *reinterpret_cast<float4*>(tile + r * TC_LD + c); }

            // tile ← rows row0.. of src [*, MLP_H] (zeros past `rows`).
            __device__ __forceinline__ void tc_load(float* tile, const float* __restrict__ src, long long row0, int rows) {
              float4 v[TC_Q];
              #pragma unroll
              for (int j = 0; j < TC_Q; ++j) { int r, c; tc_index(j, r, c); v[j] = tc_ld(src, row0, rows, r, c); }
              #pragma unroll
              for (int j = 0; j < TC_Q; ++j) { int r, c; tc_index(j, r, c); tc_at(tile, r, c) = v[j]; }
            }

            // dst rows row0..<row0+rows ← tile.
            __device__ __forceinline__ void tc_store(const float* tile, float* __restrict__ dst, long long row0, int rows) {
              #pragma unroll
              for (int j = 0; j < TC_Q; ++j) {
                int r, c; tc_index(j, r, c);
                if (r < rows) *reinterpret_cast<float4*>(dst + (row0 + r) * MLP_H + c) = *reinterpret_cast<const float4*>(tile + r * TC_LD + c);
              }
            }

            struct TCIdentity { __device__ float operator()(float v) const { return v; } };

            // The activation in place on the tile entries this thread's accumulators went to (tc_put's pattern).
            __device__ __forceinline__ void tc_activate(float* tile) {
              const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, gid = lane >> 2, tig = lane & 3;
              #pragma unroll
              for (int m = 0; m < 2; ++m)
                #pragma unroll
                for (int n = 0; n < MLP_H / 8; ++n)
                  #pragma unroll
                  for (int h = 0; h < 2; ++h) {
                    float2& v = *reinterpret_cast<float2*>(tile + (warp * 32 + m * 16 + gid + 8 * h) * TC_LD + n * 8 + 2 * tig);
                    v.x = \(act)(v.x); v.y = \(act)(v.y);
                  }
            }

            template <bool THREE>
            __device__ __forceinline__ void mlp_forward_tc_body(int edges, const float* __restrict__ x, const float* __restrict__ w,
                                                                float* const* z, void* out, int mode) {
              extern __shared__ __align__(16) float smem[];
              float* tile = smem;
              float* b0 = tile + TC_ROWS * TC_LD;
              // B[n][k] = W_k[k][n]: layer 0 padded to TC_K0 inputs with zeros.
              for (int i = threadIdx.x; i < MLP_H * TC_K0; i += blockDim.x) {
                const int n = i / TC_K0, k = i % TC_K0;
                b0[n * TC_LD0 + k] = k < MLP_IN ? w[k * MLP_H + n] : 0.f;
              }
              for (int l = 1; l < MLP_D; ++l) {
                float* b = b0 + MLP_H * TC_LD0 + (l - 1) * MLP_H * TC_LD;
                const float* wl = w + MLP_IN * MLP_H + (l - 1) * MLP_H * MLP_H;
                for (int i = threadIdx.x; i < MLP_H * MLP_H; i += blockDim.x) b[(i % MLP_H) * TC_LD + i / MLP_H] = wl[i];
              }
              const int tiles = (edges + TC_ROWS - 1) / TC_ROWS;
              for (int t = blockIdx.x; t < tiles; t += gridDim.x) {
                const long long row0 = (long long)t * TC_ROWS;
                const int rows = min(TC_ROWS, int(edges - row0));
                __syncthreads();
                float xv[TC_K0];
                #pragma unroll
                for (int j = 0; j < TC_K0; ++j) {
                  const int i = threadIdx.x + j * TC_ROWS, r = i / TC_K0, c = i % TC_K0;
                  xv[j] = r < rows && c < MLP_IN ? x[(row0 + r) * MLP_IN + c] : 0.f;
                }
                #pragma unroll
                for (int j = 0; j < TC_K0; ++j) {
                  const int i = threadIdx.x + j * TC_ROWS;
                  tile[(i / TC_K0) * TC_LD + i % TC_K0] = xv[j];
                }
                __syncthreads();
                #pragma unroll 1
                for (int l = 0; l < MLP_D; ++l) {
                  float acc[2][MLP_H / 8][4];
                  if (l == 0) tc_tile<THREE, MLP_H / 8>(acc, tile, TC_K0 / 8, b0, TC_LD0);
                  else tc_tile<THREE, MLP_H / 8>(acc, tile, MLP_H / 8, b0 + MLP_H * TC_LD0 + (l - 1) * MLP_H * TC_LD, TC_LD);
                  __syncwarp();
                  tc_put<MLP_H / 8>(tile, acc, TCIdentity());
                  __syncthreads();
                  tc_store(tile, z[l], row0, rows);
                  __syncthreads();
                  tc_activate(tile);
                  __syncwarp();
                }
                __syncthreads();
                if (mode == 1) {
                  tc_store(tile, static_cast<float*>(out), row0, rows);
                } else if (mode == 2) {
                  float* o = static_cast<float*>(out);
                  #pragma unroll 2
                  for (int j = 0; j < 3 * TC_Q; ++j) {
                    const int i = threadIdx.x + j * TC_ROWS, r = i / (3 * TC_Q), q = i % (3 * TC_Q);
                    if (r >= rows) continue;
                    const float4 v = tc_at(tile, r, (q % TC_Q) * 4);
                    const float4 hi = make_float4(__uint_as_float(tf32_rn(v.x)), __uint_as_float(tf32_rn(v.y)),
                                                  __uint_as_float(tf32_rn(v.z)), __uint_as_float(tf32_rn(v.w)));
                    *reinterpret_cast<float4*>(o + (row0 + r) * 3 * MLP_H + q * 4) =
                        q < 2 * TC_Q ? hi : make_float4(v.x - hi.x, v.y - hi.y, v.z - hi.z, v.w - hi.w);
                  }
                } else if (mode == 3 || mode == 4) {
                  for (int i = threadIdx.x; i < rows * MLP_H; i += blockDim.x) {
                    const float v = tile[(i / MLP_H) * TC_LD + i % MLP_H];
                    if (mode == 3) swiftmace_store(static_cast<swiftmace_bf16*>(out) + row0 * MLP_H + i, v);
                    else swiftmace_store(static_cast<swiftmace_fp16*>(out) + row0 * MLP_H + i, v);
                  }
                }
              }
            }

            template <bool THREE>
            __device__ __forceinline__ void mlp_backward_tc_body(int edges, const float* __restrict__ g, const float* __restrict__ w,
                                                                 const float* const* z, float* __restrict__ gx, int accumulate) {
              extern __shared__ __align__(16) float smem[];
              float* tile = smem;
              float* bh = tile + TC_ROWS * TC_LD;  // B[n = i][k = j] = W_l[i][j] for l ≥ 1, then W_0 (rows ≥ MLP_IN zero)
              float* b0 = bh + (MLP_D - 1) * MLP_H * TC_LD;
              for (int l = 1; l < MLP_D; ++l) {
                const float* wl = w + MLP_IN * MLP_H + (l - 1) * MLP_H * MLP_H;
                for (int i = threadIdx.x; i < MLP_H * MLP_H; i += blockDim.x)
                  bh[(l - 1) * MLP_H * TC_LD + (i / MLP_H) * TC_LD + i % MLP_H] = wl[i];
              }
              for (int i = threadIdx.x; i < TC_K0 * MLP_H; i += blockDim.x)
                b0[(i / MLP_H) * TC_LD + i % MLP_H] = i / MLP_H < MLP_IN ? w[i] : 0.f;
              const int tiles = (edges + TC_ROWS - 1) / TC_ROWS;
              for (int t = blockIdx.x; t < tiles; t += gridDim.x) {
                const long long row0 = (long long)t * TC_ROWS;
                const int rows = min(TC_ROWS, int(edges - row0));
                __syncthreads();
                tc_load(tile, g, row0, rows);
                #pragma unroll 1
                for (int l = MLP_D - 1; l >= 0; --l) {
                  float4 v[TC_Q];
                  #pragma unroll
                  for (int j = 0; j < TC_Q; ++j) { int r, c; tc_index(j, r, c); v[j] = tc_ld(z[l], row0, rows, r, c); }
                  __syncthreads();
                  #pragma unroll
                  for (int j = 0; j < TC_Q; ++j) {
                    int r, c; tc_index(j, r, c);
                    float4& t = tc_at(tile, r, c);
                    t.x *= \(grad)(v[j].x); t.y *= \(grad)(v[j].y); t.z *= \(grad)(v[j].z); t.w *= \(grad)(v[j].w);
                  }
                  __syncthreads();
                  if (l > 0) {
                    float acc[2][MLP_H / 8][4];
                    tc_tile<THREE, MLP_H / 8>(acc, tile, MLP_H / 8, bh + (l - 1) * MLP_H * TC_LD, TC_LD);
                    __syncwarp();
                    tc_put<MLP_H / 8>(tile, acc, TCIdentity());
                  } else {
                    float acc[2][TC_K0 / 8][4];
                    tc_tile<THREE, TC_K0 / 8>(acc, tile, MLP_H / 8, b0, TC_LD);
                    __syncwarp();
                    tc_put<TC_K0 / 8>(tile, acc, TCIdentity());
                  }
                }
                __syncthreads();
                constexpr int NX = (TC_ROWS * MLP_IN + TC_ROWS - 1) / TC_ROWS;
                float old[NX];
                #pragma unroll
                for (int j = 0; j < NX; ++j) {
                  const int i = threadIdx.x + j * TC_ROWS;
                  old[j] = accumulate && i < rows * MLP_IN ? gx[row0 * MLP_IN + i] : 0.f;
                }
                #pragma unroll
                for (int j = 0; j < NX; ++j) {
                  const int i = threadIdx.x + j * TC_ROWS;
                  if (i < rows * MLP_IN) gx[row0 * MLP_IN + i] = old[j] + tile[(i / MLP_IN) * TC_LD + i % MLP_IN];
                }
              }
            }

            #define SWIFTMACE_MLP_TC(THREE, NAME) \\
            extern "C" __global__ void __launch_bounds__(TC_ROWS, 3) mlp_forward_##NAME##_\(activation)(int edges, \\
                const float* __restrict__ x, const float* __restrict__ w, \(zOutF), void* out, int mode) { \\
              float* const z[MLP_D] = {\(zList)}; \\
              mlp_forward_tc_body<THREE>(edges, x, w, z, out, mode); } \\
            extern "C" __global__ void __launch_bounds__(TC_ROWS, 3) mlp_backward_##NAME##_\(activation)(int edges, \\
                const float* __restrict__ g, const float* __restrict__ w, \(zInF), float* __restrict__ gx, int accumulate) { \\
              const float* const z[MLP_D] = {\(zList)}; \\
              mlp_backward_tc_body<THREE>(edges, g, w, z, gx, accumulate); }
            SWIFTMACE_MLP_TC(true, tc)
            SWIFTMACE_MLP_TC(false, tc1)

            """
    }
}
