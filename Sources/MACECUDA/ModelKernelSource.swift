// SwiftMACE, MIT licence.
// ModelKernelSource: the hand-written CUDA C++ of the model's non-equivariant steps: edge vectors, spherical
// harmonics and Bessel·envelope in one kernel (its position derivative from the same code run on dual numbers),
// activations, node energies, forces summed over the receiver and sender CSRs (no atomics), fill and add.

import Equivariance
import Foundation

/// The CUDA source of one model's element-wise kernels, specialised to its max_ell, Bessel count and envelope p.
///
/// Entry points (`_f32`/`_f64` per scalar type T unless said):
/// - `edge_embedding(E, pos f64[N,3], senders, receivers, shifts f64[E,3], bessel_w T[NB], prefactor, r_max,
///   vectors f64[E,3], sh T[E,(lmax+1)²], radial T[E,NB])`: one thread per edge.
/// - `edge_embedding_backward(E, vectors, bessel_w, prefactor, r_max, gsh T[E,(lmax+1)²], gradial T[E,NB],
///   gv f64[E,3])`: `gv = (∂sh/∂v)ᵀ gsh + (∂radial/∂v)ᵀ gradial`, the forward re-run on `Dual<T>`.
/// - `act_forward_{silu,tanh}(n, z, x, scale)`: `x = scale · act(z)`; `act_backward_{silu,tanh}(n, z, g, scale)`:
///   `g ← g · scale · act′(z)` in place.
/// - `act_forward_split_{silu,tanh}_f32(n, width, z, out, scale)`: `x = scale · act(z)` written as rows
///   `[x_hi | x_hi | x_lo]` of `3·width` for a 3xTF32 GEMM (``PrecisionPolicy/float32``).
/// - `copy_rows(n, width, base, src, out)`, `copy_act_{silu,tanh}(n, width, base, z, out, scale)`: row i of `out` =
///   row `base + i` of `src`, or `scale · act` of it (edge chunks); `copy_act_split_{silu,tanh}_f32` writes the
///   latter as 3xTF32 rows `[hi | hi | lo]`.
/// - 16-bit policies (H = `swiftmace_bf16` / `swiftmace_fp16`, suffix `bf16` / `f16`): `to_half_H(n, x f32, out H)`;
///   `act_forward_{silu,tanh}_H(n, z f32, x H, scale)`: `x = scale · act(z)` rounded to H;
///   `act_backward_{silu,tanh}_H(n, z f32, g f32, out H, scale)`: `out = g · scale · act′(z)` rounded to H.
/// - `node_energy(N, elements, e0, acc, scale, shift, out)`: `out = e0[element] + (acc · scale + shift)`.
/// - `fill(n, x, value)`, `add(n, parts, y, x)`: `y += x[0] + … + x[parts − 1]` (`x` holds `parts` blocks of n,
///   summed in order).
/// - `forces(N, receiver_offsets, sender_offsets, sender_edge_ids, gv, forces)` (float64 only): `F_i = −(Σ_{e→i}
///   gv_e − Σ_{i→e} gv_e)`, edges sorted by receiver so a receiver's edges are `receiver_offsets[i]..<[i+1]`.
/// - With ``mlp``: the fused radial-MLP kernels (``RadialMLPShape/code``).
struct ModelKernelSource {
    let maxEll: Int
    let besselCount: Int
    let envelopeExponent: Int
    /// The fused radial-MLP kernels' shape (``RadialMLPShape``), nil where they are not used.
    var mlp: RadialMLPShape? = nil

    static let threads = 256

    var shCount: Int { (maxEll + 1) * (maxEll + 1) }

    var code: String {
        let p = Double(envelopeExponent)
        let constants: [(String, Double)] = [
            ("S3", 3.0.squareRoot()), ("S5", 5.0.squareRoot()), ("S7", 7.0.squareRoot()),
            ("HALF_S3", 3.0.squareRoot() / 2), ("R56", (5.0 / 6).squareRoot()), ("R38", (3.0 / 8).squareRoot()),
            ("ENV1", (p + 1) * (p + 2) / 2), ("ENV2", p * (p + 2)), ("ENV3", p * (p + 1) / 2),
        ]
        let defines = constants.map { "#define \($0.0) T(\(Self.hex($0.1)))" }.joined(separator: "\n")
        return """
            // SwiftMACE model kernels (Sources/MACECUDA/ModelKernelSource.swift).
            \(GeneratedModule.halfStorageHelpers)
            constexpr int LMAX = \(maxEll);
            constexpr int NSH = \(shCount);
            constexpr int NB = \(besselCount);
            constexpr int P = \(envelopeExponent);
            \(defines)

            __device__ __forceinline__ float msin(float a) { return sinf(a); }
            __device__ __forceinline__ double msin(double a) { return sin(a); }
            __device__ __forceinline__ float mcos(float a) { return cosf(a); }
            __device__ __forceinline__ double mcos(double a) { return cos(a); }
            __device__ __forceinline__ float msqrt(float a) { return sqrtf(a); }
            __device__ __forceinline__ double msqrt(double a) { return sqrt(a); }
            __device__ __forceinline__ float mexp(float a) { return expf(a); }
            __device__ __forceinline__ double mexp(double a) { return exp(a); }
            __device__ __forceinline__ float mtanh(float a) { return tanhf(a); }
            __device__ __forceinline__ double mtanh(double a) { return tanh(a); }

            // Forward-mode dual numbers with three tangents (d/dx, d/dy, d/dz of the edge vector).
            template <typename T> struct Dual { T v, dx, dy, dz; };
            template <typename T> __device__ __forceinline__ T value(T a) { return a; }
            template <typename T> __device__ __forceinline__ T value(Dual<T> a) { return a.v; }
            template <typename T> __device__ __forceinline__ Dual<T> operator+(Dual<T> a, Dual<T> b) {
              return {a.v + b.v, a.dx + b.dx, a.dy + b.dy, a.dz + b.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator-(Dual<T> a, Dual<T> b) {
              return {a.v - b.v, a.dx - b.dx, a.dy - b.dy, a.dz - b.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator*(Dual<T> a, Dual<T> b) {
              return {a.v * b.v, a.dx * b.v + a.v * b.dx, a.dy * b.v + a.v * b.dy, a.dz * b.v + a.v * b.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator/(Dual<T> a, Dual<T> b) {
              const T q = a.v / b.v;
              return {q, (a.dx - q * b.dx) / b.v, (a.dy - q * b.dy) / b.v, (a.dz - q * b.dz) / b.v}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator+(Dual<T> a, T b) { return {a.v + b, a.dx, a.dy, a.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator+(T b, Dual<T> a) { return {b + a.v, a.dx, a.dy, a.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator-(Dual<T> a, T b) { return {a.v - b, a.dx, a.dy, a.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator-(T b, Dual<T> a) { return {b - a.v, -a.dx, -a.dy, -a.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator*(Dual<T> a, T b) { return {a.v * b, a.dx * b, a.dy * b, a.dz * b}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator*(T b, Dual<T> a) { return {b * a.v, b * a.dx, b * a.dy, b * a.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> operator/(Dual<T> a, T b) { return {a.v / b, a.dx / b, a.dy / b, a.dz / b}; }
            template <typename T> __device__ __forceinline__ Dual<T> msin(Dual<T> a) {
              const T c = mcos(a.v); return {msin(a.v), c * a.dx, c * a.dy, c * a.dz}; }
            template <typename T> __device__ __forceinline__ Dual<T> msqrt(Dual<T> a) {
              const T s = msqrt(a.v), h = T(0.5) / s; return {s, h * a.dx, h * a.dy, h * a.dz}; }
            template <typename S, typename T> __device__ __forceinline__ S constant(T a) { return S(a); }
            template <> __device__ __forceinline__ Dual<float> constant<Dual<float>, float>(float a) { return {a, 0.f, 0.f, 0.f}; }
            template <> __device__ __forceinline__ Dual<double> constant<Dual<double>, double>(double a) { return {a, 0., 0., 0.}; }

            // e3nn 0.4.4 spherical harmonics (component normalisation, l ≤ 3) and Bessel · polynomial envelope,
            // in the CPU model's order of operations (Sources/MACE/Blocks/EdgeSphericalHarmonics.swift,
            // RadialEmbedding.swift).
            template <typename S, typename T>
            __device__ __forceinline__ void edge_features(S vx, S vy, S vz, const T* __restrict__ bessel_w, T prefactor,
                                                          T r_max, S* sh, S* radial) {
              const S r2 = vx * vx + vy * vy + vz * vz;
              const S len = value(r2) > T(0) ? msqrt(r2) : constant<S, T>(T(0));
              const S denom = value(len) > T(1e-12) ? len : constant<S, T>(T(1e-12));
              const S x = vx / denom, y = vy / denom, z = vz / denom;
              sh[0] = constant<S, T>(T(1));
              if (LMAX >= 1) { sh[1] = x * S3; sh[2] = y * S3; sh[3] = z * S3; }
              if (LMAX >= 2) {
                const S s = x * x + z * z;
                sh[4] = x * z * S3 * S5; sh[5] = x * y * S3 * S5; sh[6] = (y * y - s / T(2)) * S5;
                sh[7] = y * z * S3 * S5; sh[8] = (z * z - x * x) * HALF_S3 * S5;
                if (LMAX >= 3) {
                  const S a0 = x * z * S3, a4 = (z * z - x * x) * HALF_S3;
                  sh[9] = (a0 * z + a4 * x) * R56 * S7;
                  sh[10] = a0 * y * S5 * S7;
                  sh[11] = (y * y * T(4) - s) * x * R38 * S7;
                  sh[12] = y * (y * y * T(2) - s * T(3)) * T(0.5) * S7;
                  sh[13] = z * (y * y * T(4) - s) * R38 * S7;
                  sh[14] = a4 * y * S5 * S7;
                  sh[15] = (a4 * z - a0 * x) * R56 * S7;
                }
              }
              const S u = len / r_max;
              S up = u;
              #pragma unroll
              for (int k = 1; k < P; ++k) up = up * u;
              S envelope = T(1) - ENV1 * up + ENV2 * (up * u) - ENV3 * (up * u * u);
              if (!(value(len) < r_max)) envelope = constant<S, T>(T(0));
              #pragma unroll
              for (int n = 0; n < NB; ++n) radial[n] = msin(len * bessel_w[n]) * prefactor / len * envelope;
            }

            template <typename T>
            __device__ __forceinline__ void edge_embedding_body(
                int edges, const double* __restrict__ pos, const int* __restrict__ senders,
                const int* __restrict__ receivers, const double* __restrict__ shifts, const T* __restrict__ bessel_w,
                T prefactor, T r_max, double* __restrict__ vectors, T* __restrict__ sh, T* __restrict__ radial) {
              const int e = blockIdx.x * blockDim.x + threadIdx.x;
              if (e >= edges) return;
              const int r = receivers[e], s = senders[e];
              const double vx = pos[3 * r] - pos[3 * s] + shifts[3 * e];
              const double vy = pos[3 * r + 1] - pos[3 * s + 1] + shifts[3 * e + 1];
              const double vz = pos[3 * r + 2] - pos[3 * s + 2] + shifts[3 * e + 2];
              vectors[3 * e] = vx; vectors[3 * e + 1] = vy; vectors[3 * e + 2] = vz;
              T y[NSH], b[NB];
              edge_features<T, T>(T(vx), T(vy), T(vz), bessel_w, prefactor, r_max, y, b);
              #pragma unroll
              for (int j = 0; j < NSH; ++j) sh[(size_t)e * NSH + j] = y[j];
              #pragma unroll
              for (int n = 0; n < NB; ++n) radial[(size_t)e * NB + n] = b[n];
            }

            template <typename T>
            __device__ __forceinline__ void edge_embedding_backward_body(
                int edges, const double* __restrict__ vectors, const T* __restrict__ bessel_w, T prefactor, T r_max,
                const T* __restrict__ gsh, const T* __restrict__ gradial, double* __restrict__ gv) {
              const int e = blockIdx.x * blockDim.x + threadIdx.x;
              if (e >= edges) return;
              const Dual<T> vx = {T(vectors[3 * e]), T(1), T(0), T(0)};
              const Dual<T> vy = {T(vectors[3 * e + 1]), T(0), T(1), T(0)};
              const Dual<T> vz = {T(vectors[3 * e + 2]), T(0), T(0), T(1)};
              Dual<T> y[NSH], b[NB];
              edge_features<Dual<T>, T>(vx, vy, vz, bessel_w, prefactor, r_max, y, b);
              T gx = T(0), gy = T(0), gz = T(0);
              #pragma unroll
              for (int j = 0; j < NSH; ++j) {
                const T g = gsh[(size_t)e * NSH + j];
                gx += g * y[j].dx; gy += g * y[j].dy; gz += g * y[j].dz;
              }
              #pragma unroll
              for (int n = 0; n < NB; ++n) {
                const T g = gradial[(size_t)e * NB + n];
                gx += g * b[n].dx; gy += g * b[n].dy; gz += g * b[n].dz;
              }
              gv[3 * e] = double(gx); gv[3 * e + 1] = double(gy); gv[3 * e + 2] = double(gz);
            }

            template <typename T> __device__ __forceinline__ T silu(T z) { return z / (T(1) + mexp(-z)); }
            template <typename T> __device__ __forceinline__ T silu_grad(T z) {
              const T s = T(1) / (T(1) + mexp(-z)); return s * (T(1) + z * (T(1) - s)); }
            template <typename T> __device__ __forceinline__ T tanh_act(T z) { return mtanh(z); }
            template <typename T> __device__ __forceinline__ T tanh_grad(T z) { const T t = mtanh(z); return T(1) - t * t; }

            #define SWIFTMACE_ELEMENTWISE(T, SUFFIX) \\
            extern "C" __global__ void act_forward_silu_##SUFFIX(long long n, const T* __restrict__ z, T* __restrict__ x, T scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) x[i] = silu(z[i]) * scale; } \\
            extern "C" __global__ void act_backward_silu_##SUFFIX(long long n, const T* __restrict__ z, T* __restrict__ g, T scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) g[i] = g[i] * scale * silu_grad(z[i]); } \\
            extern "C" __global__ void act_forward_tanh_##SUFFIX(long long n, const T* __restrict__ z, T* __restrict__ x, T scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) x[i] = tanh_act(z[i]) * scale; } \\
            extern "C" __global__ void act_backward_tanh_##SUFFIX(long long n, const T* __restrict__ z, T* __restrict__ g, T scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) g[i] = g[i] * scale * tanh_grad(z[i]); } \\
            extern "C" __global__ void fill_##SUFFIX(long long n, T* __restrict__ x, T v) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) x[i] = v; } \\
            extern "C" __global__ void add_##SUFFIX(long long n, int parts, T* __restrict__ y, const T* __restrict__ x) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \\
              T s = x[i]; for (int p = 1; p < parts; ++p) s += x[p * n + i]; y[i] += s; } \\
            extern "C" __global__ void node_energy_##SUFFIX(int nodes, const int* __restrict__ elements, const T* __restrict__ e0, \\
                const T* __restrict__ acc, T scale, T shift, T* __restrict__ out) { \\
              const int i = blockIdx.x * blockDim.x + threadIdx.x; if (i < nodes) out[i] = e0[elements[i]] + (acc[i] * scale + shift); } \\
            extern "C" __global__ void edge_embedding_##SUFFIX(int edges, const double* __restrict__ pos, const int* __restrict__ senders, \\
                const int* __restrict__ receivers, const double* __restrict__ shifts, const T* __restrict__ bessel_w, T prefactor, \\
                T r_max, double* __restrict__ vectors, T* __restrict__ sh, T* __restrict__ radial) { \\
              edge_embedding_body<T>(edges, pos, senders, receivers, shifts, bessel_w, prefactor, r_max, vectors, sh, radial); } \\
            extern "C" __global__ void edge_embedding_backward_##SUFFIX(int edges, const double* __restrict__ vectors, \\
                const T* __restrict__ bessel_w, T prefactor, T r_max, const T* __restrict__ gsh, const T* __restrict__ gradial, \\
                double* __restrict__ gv) { \\
              edge_embedding_backward_body<T>(edges, vectors, bessel_w, prefactor, r_max, gsh, gradial, gv); }

            // Row copies for edge chunks: row i of `out` is row base + i of the source.
            #define SWIFTMACE_COPY_ROWS(T, SUFFIX) \
            extern "C" __global__ void copy_rows_##SUFFIX(long long n, int width, long long base, \
                const T* __restrict__ src, T* __restrict__ out) { \
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \
              const long long r = i / width, c = i % width; \
              out[i] = src[(base + r) * width + c]; } \
            extern "C" __global__ void copy_act_silu_##SUFFIX(long long n, int width, long long base, \
                const T* __restrict__ z, T* __restrict__ out, T scale) { \
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \
              const long long r = i / width, c = i % width; \
              out[i] = silu(z[(base + r) * width + c]) * scale; } \
            extern "C" __global__ void copy_act_tanh_##SUFFIX(long long n, int width, long long base, \
                const T* __restrict__ z, T* __restrict__ out, T scale) { \
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \
              const long long r = i / width, c = i % width; \
              out[i] = tanh_act(z[(base + r) * width + c]) * scale; }

            // float32 → 16-bit GEMM operands (the 16-bit policies).
            #define SWIFTMACE_HALF(H, SUFFIX) \\
            extern "C" __global__ void to_half_##SUFFIX(long long n, const float* __restrict__ x, H* __restrict__ out) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) swiftmace_store(out + i, x[i]); } \\
            extern "C" __global__ void act_forward_silu_##SUFFIX(long long n, const float* __restrict__ z, H* __restrict__ x, float scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) swiftmace_store(x + i, silu(z[i]) * scale); } \\
            extern "C" __global__ void act_forward_tanh_##SUFFIX(long long n, const float* __restrict__ z, H* __restrict__ x, float scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) swiftmace_store(x + i, tanh_act(z[i]) * scale); } \\
            extern "C" __global__ void act_backward_silu_##SUFFIX(long long n, const float* __restrict__ z, const float* __restrict__ g, \\
                H* __restrict__ out, float scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) swiftmace_store(out + i, g[i] * scale * silu_grad(z[i])); } \\
            extern "C" __global__ void act_backward_tanh_##SUFFIX(long long n, const float* __restrict__ z, const float* __restrict__ g, \\
                H* __restrict__ out, float scale) { \\
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i < n) swiftmace_store(out + i, g[i] * scale * tanh_grad(z[i])); }
            SWIFTMACE_HALF(swiftmace_bf16, bf16)
            SWIFTMACE_HALF(swiftmace_fp16, f16)

            SWIFTMACE_ELEMENTWISE(float, f32)
            SWIFTMACE_ELEMENTWISE(double, f64)
            SWIFTMACE_COPY_ROWS(float, f32)
            SWIFTMACE_COPY_ROWS(double, f64)

            // x = scale · act(z) split for a 3xTF32 GEMM: row r of `out` is [x_hi | x_hi | x_lo], x_hi = x with its
            // low 13 mantissa bits cleared (exact in TF32), x_lo = x − x_hi (exact in float32).
            #define SWIFTMACE_SPLIT(ACT, NAME) \
            extern "C" __global__ void act_forward_split_##NAME##_f32(long long n, int width, const float* __restrict__ z, \
                float* __restrict__ out, float scale) { \
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \
              const float x = ACT(z[i]) * scale; \
              const float hi = __uint_as_float(__float_as_uint(x) & 0xffffe000u); \
              const long long r = i / width, c = i % width; \
              float* o = out + r * 3 * width + c; o[0] = hi; o[width] = hi; o[2 * width] = x - hi; }
            SWIFTMACE_SPLIT(silu<float>, silu)
            // The same for a range of rows (edge chunks): row i of `out` from row base + i of z.
            #define SWIFTMACE_COPY_SPLIT(ACT, NAME) \
            extern "C" __global__ void copy_act_split_##NAME##_f32(long long n, int width, long long base, \
                const float* __restrict__ z, float* __restrict__ out, float scale) { \
              const long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; if (i >= n) return; \
              const long long r = i / width, c = i % width; \
              const float x = ACT(z[(base + r) * width + c]) * scale; \
              const float hi = __uint_as_float(__float_as_uint(x) & 0xffffe000u); \
              float* o = out + r * 3 * width + c; o[0] = hi; o[width] = hi; o[2 * width] = x - hi; }
            SWIFTMACE_COPY_SPLIT(silu<float>, silu)
            SWIFTMACE_COPY_SPLIT(tanh_act<float>, tanh)
            SWIFTMACE_SPLIT(tanh_act<float>, tanh)

            extern "C" __global__ void forces(int nodes, const int* __restrict__ receiver_offsets,
                                              const int* __restrict__ sender_offsets,
                                              const int* __restrict__ sender_edge_ids, const double* __restrict__ gv,
                                              double* __restrict__ forces) {
              const int i = blockIdx.x * blockDim.x + threadIdx.x;
              if (i >= nodes) return;
              double fx = 0, fy = 0, fz = 0;
              for (int e = receiver_offsets[i]; e < receiver_offsets[i + 1]; ++e) {
                fx -= gv[3 * e]; fy -= gv[3 * e + 1]; fz -= gv[3 * e + 2];
              }
              for (int p = sender_offsets[i]; p < sender_offsets[i + 1]; ++p) {
                const int e = sender_edge_ids[p];
                fx += gv[3 * e]; fy += gv[3 * e + 1]; fz += gv[3 * e + 2];
              }
              forces[3 * i] = fx; forces[3 * i + 1] = fy; forces[3 * i + 2] = fz;
            }

            """ + TrainingKernelSource.code + WeightGradientKernelSource.code + (mlp?.code ?? "")
    }

    /// The exact C99 hexadecimal literal of `value` (so float64 constants reach the kernel unrounded).
    static func hex(_ value: Double) -> String {
        String(format: "%a", value)
    }
}
