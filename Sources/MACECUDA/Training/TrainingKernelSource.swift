// SwiftMACE, MIT licence.
// TrainingKernelSource: the hand-written CUDA C++ of the training pass's element-wise steps: the edge embedding
// along one position tangent (the forward's code on one-tangent dual numbers) and activations on (value, tangent)
// pairs with their reverse pass, which needs the activation's second derivative.

/// Appended to ``ModelKernelSource/code`` (it uses that source's `edge_features`, `silu`, `tanh_act`, `msin`...).
///
/// Entry points (`_f32`/`_f64` per scalar type T):
/// - `edge_tangent(E, vectors f64[E,3], senders, receivers, delta f64[N,3], bessel_w, prefactor, r_max, sh_t T[E,NSH],
///   radial T[2E,NB])`: with the edge-vector tangent `δ[receiver] − δ[sender]`, writes the spherical harmonics'
///   tangent and the radial basis stacked `[values; tangents]`.
/// - `dual_act_forward_{silu,tanh}(n, z, zt, x, xt, scale)`: `x = scale·σ(z)`, `xt = scale·σ′(z)·zt`.
/// - `dual_act_split_{silu,tanh}_f32(n, width, z, zt, out, scale)`: the tangent `xt = scale·σ′(z)·zt` as 3xTF32
///   rows `[xt_hi | xt_hi | xt_lo]` of `3·width` (as `act_forward_split`), the A operand of the last radial layer's
///   tangent GEMM against `[W_hi; W_lo; W_hi]`.
/// - `dual_act_backward_{silu,tanh}(n, z, zt, g, gt, scale)`, in place: with `g` = x̄ (primal adjoint) and `gt` = ẋ̄
///   (tangent adjoint): `g ← scale·(σ′(z)·x̄ + σ″(z)·zt·ẋ̄)`, `gt ← scale·σ′(z)·ẋ̄`.
enum TrainingKernelSource {
    static let code = """

        // ---- Training pass (Sources/MACECUDA/Training/TrainingKernelSource.swift) ----
        // Forward-mode dual numbers with one tangent.
        template <typename T> struct Tan { T v, t; };
        template <typename T> __device__ __forceinline__ T value(Tan<T> a) { return a.v; }
        template <typename T> __device__ __forceinline__ Tan<T> operator+(Tan<T> a, Tan<T> b) { return {a.v + b.v, a.t + b.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator-(Tan<T> a, Tan<T> b) { return {a.v - b.v, a.t - b.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator*(Tan<T> a, Tan<T> b) { return {a.v * b.v, a.t * b.v + a.v * b.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator/(Tan<T> a, Tan<T> b) {
          const T q = a.v / b.v; return {q, (a.t - q * b.t) / b.v}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator+(Tan<T> a, T b) { return {a.v + b, a.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator+(T b, Tan<T> a) { return {b + a.v, a.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator-(Tan<T> a, T b) { return {a.v - b, a.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator-(T b, Tan<T> a) { return {b - a.v, -a.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator*(Tan<T> a, T b) { return {a.v * b, a.t * b}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator*(T b, Tan<T> a) { return {b * a.v, b * a.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> operator/(Tan<T> a, T b) { return {a.v / b, a.t / b}; }
        template <typename T> __device__ __forceinline__ Tan<T> msin(Tan<T> a) { return {msin(a.v), mcos(a.v) * a.t}; }
        template <typename T> __device__ __forceinline__ Tan<T> msqrt(Tan<T> a) {
          const T s = msqrt(a.v); return {s, T(0.5) / s * a.t}; }
        template <> __device__ __forceinline__ Tan<float> constant<Tan<float>, float>(float a) { return {a, 0.f}; }
        template <> __device__ __forceinline__ Tan<double> constant<Tan<double>, double>(double a) { return {a, 0.}; }

        template <typename T>
        __device__ __forceinline__ void edge_tangent_body(
            int edges, const double* __restrict__ vectors, const int* __restrict__ senders,
            const int* __restrict__ receivers, const double* __restrict__ delta, const T* __restrict__ bessel_w,
            T prefactor, T r_max, T* __restrict__ sh_t, T* __restrict__ radial) {
          const int e = blockIdx.x * blockDim.x + threadIdx.x;
          if (e >= edges) return;
          const int r = receivers[e], s = senders[e];
          const Tan<T> vx = {T(vectors[3 * e]), T(delta[3 * r] - delta[3 * s])};
          const Tan<T> vy = {T(vectors[3 * e + 1]), T(delta[3 * r + 1] - delta[3 * s + 1])};
          const Tan<T> vz = {T(vectors[3 * e + 2]), T(delta[3 * r + 2] - delta[3 * s + 2])};
          Tan<T> y[NSH], b[NB];
          edge_features<Tan<T>, T>(vx, vy, vz, bessel_w, prefactor, r_max, y, b);
          #pragma unroll
          for (int j = 0; j < NSH; ++j) sh_t[(size_t)e * NSH + j] = y[j].t;
          #pragma unroll
          for (int n = 0; n < NB; ++n) {
            radial[(size_t)e * NB + n] = b[n].v;
            radial[((size_t)edges + e) * NB + n] = b[n].t;
          }
        }

        template <typename T> __device__ __forceinline__ T silu_grad2(T z) {
          const T s = T(1) / (T(1) + mexp(-z)); return s * (T(1) - s) * (T(2) + z * (T(1) - T(2) * s)); }
        template <typename T> __device__ __forceinline__ T tanh_grad2(T z) { const T t = mtanh(z); return T(-2) * t * (T(1) - t * t); }

        #define SWIFTMACE_DUAL_ACT(T, SUFFIX, ACT, NAME) \\
        extern "C" __global__ void dual_act_forward_##NAME##_##SUFFIX(long long n, const T* __restrict__ z, \\
            const T* __restrict__ zt, T* __restrict__ x, T* __restrict__ xt, T scale) { \\
          const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \\
          const T a = z[i]; x[i] = ACT(a) * scale; xt[i] = ACT##_grad(a) * zt[i] * scale; } \\
        extern "C" __global__ void dual_act_backward_##NAME##_##SUFFIX(long long n, const T* __restrict__ z, \\
            const T* __restrict__ zt, T* __restrict__ g, T* __restrict__ gt, T scale) { \\
          const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \\
          const T a = z[i], d1 = ACT##_grad(a), gv = g[i], gtv = gt[i]; \\
          g[i] = (d1 * gv + ACT##_grad2(a) * zt[i] * gtv) * scale; gt[i] = d1 * gtv * scale; }
        template <typename T> __device__ __forceinline__ T tanh_act_grad(T z) { return tanh_grad(z); }
        template <typename T> __device__ __forceinline__ T tanh_act_grad2(T z) { return tanh_grad2(z); }
        #define SWIFTMACE_DUAL_SPLIT(ACT, NAME) \
        extern "C" __global__ void dual_act_split_##NAME##_f32(long long n, int width, const float* __restrict__ z, \
            const float* __restrict__ zt, float* __restrict__ out, float scale) { \
          const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \
          const float x = ACT##_grad(z[i]) * zt[i] * scale; \
          const float hi = __uint_as_float(__float_as_uint(x) & 0xffffe000u); \
          const long long r = i / width, c = i % width; \
          float* o = out + r * 3 * width + c; o[0] = hi; o[width] = hi; o[2 * width] = x - hi; }
        SWIFTMACE_DUAL_SPLIT(silu, silu)
        SWIFTMACE_DUAL_SPLIT(tanh_act, tanh)
        SWIFTMACE_DUAL_ACT(float, f32, silu, silu)
        SWIFTMACE_DUAL_ACT(double, f64, silu, silu)
        SWIFTMACE_DUAL_ACT(float, f32, tanh_act, tanh)
        SWIFTMACE_DUAL_ACT(double, f64, tanh_act, tanh)

        #define SWIFTMACE_EDGE_TANGENT(T, SUFFIX) \\
        extern "C" __global__ void edge_tangent_##SUFFIX(int edges, const double* __restrict__ vectors, \\
            const int* __restrict__ senders, const int* __restrict__ receivers, const double* __restrict__ delta, \\
            const T* __restrict__ bessel_w, T prefactor, T r_max, T* __restrict__ sh_t, T* __restrict__ radial) { \\
          edge_tangent_body<T>(edges, vectors, senders, receivers, delta, bessel_w, prefactor, r_max, sh_t, radial); }
        SWIFTMACE_EDGE_TANGENT(float, f32)
        SWIFTMACE_EDGE_TANGENT(double, f64)

        """
}
