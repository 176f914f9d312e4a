// SwiftMACE, MIT licence.
// The small kernels that prove the stack end to end (NVRTC compile, module load, launch, graphs): axpy, SiLU
// forward/backward, a deterministic two-pass block sum, and an empty kernel for launch-overhead timing.

/// CUDA C source of the proof kernels, in float32 and float64 variants (`_f32`, `_f64`).
public enum ProofKernels {
    /// Threads per block every proof kernel is launched with (the block sum needs a power of two).
    public static let blockSize = 256

    /// The program.
    public static let source = KernelSource(name: "proof_kernels.cu", code: code, options: ["-lineinfo"])

    private static let code = #"""
        // SwiftMACE proof kernels: y = a x + y; SiLU forward and backward; deterministic block sums.

        template <typename T> __device__ T sigmoid(T x);
        template <> __device__ float sigmoid<float>(float x) { return 1.0f / (1.0f + expf(-x)); }
        template <> __device__ double sigmoid<double>(double x) { return 1.0 / (1.0 + exp(-x)); }

        template <typename T> __device__ void axpy(long long n, T a, const T* x, T* y) {
            long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[i] = a * x[i] + y[i];
        }

        template <typename T> __device__ void silu_forward(long long n, const T* x, T* y) {
            long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) y[i] = x[i] * sigmoid(x[i]);
        }

        // d silu / dx = s (1 + x (1 - s)), s = sigmoid(x).
        template <typename T> __device__ void silu_backward(long long n, const T* x, const T* dy, T* dx) {
            long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (i < n) {
                T s = sigmoid(x[i]);
                dx[i] = dy[i] * s * (T(1) + x[i] * (T(1) - s));
            }
        }

        // Each block sums a grid-strided slice in a fixed order, then a fixed tree in shared memory: the result
        // depends on grid and block size only, never on scheduling. blockDim.x must be a power of two.
        template <typename T> __device__ void block_sum(long long n, const T* x, T* partial) {
            extern __shared__ unsigned char shared_bytes[];
            T* shared = reinterpret_cast<T*>(shared_bytes);
            T accumulator = T(0);
            for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n;
                 i += (long long)gridDim.x * blockDim.x) {
                accumulator += x[i];
            }
            shared[threadIdx.x] = accumulator;
            __syncthreads();
            for (unsigned int width = blockDim.x / 2; width > 0; width /= 2) {
                if (threadIdx.x < width) shared[threadIdx.x] += shared[threadIdx.x + width];
                __syncthreads();
            }
            if (threadIdx.x == 0) partial[blockIdx.x] = shared[0];
        }

        #define SWIFTMACE_PROOF_KERNELS(T, SUFFIX)                                                              \
            extern "C" __global__ void axpy_##SUFFIX(long long n, T a, const T* x, T* y) { axpy(n, a, x, y); } \
            extern "C" __global__ void silu_forward_##SUFFIX(long long n, const T* x, T* y) {                  \
                silu_forward(n, x, y);                                                                          \
            }                                                                                                   \
            extern "C" __global__ void silu_backward_##SUFFIX(long long n, const T* x, const T* dy, T* dx) {   \
                silu_backward(n, x, dy, dx);                                                                    \
            }                                                                                                   \
            extern "C" __global__ void block_sum_##SUFFIX(long long n, const T* x, T* partial) {               \
                block_sum(n, x, partial);                                                                       \
            }

        SWIFTMACE_PROOF_KERNELS(float, f32)
        SWIFTMACE_PROOF_KERNELS(double, f64)

        extern "C" __global__ void noop() {}
        """#

    /// A source with a deliberate error, to check that compile failures carry NVRTC's log.
    public static let brokenSource = KernelSource(
        name: "broken.cu", code: "extern \"C\" __global__ void broken(float* x) { x[0] = undeclared_name; }\n")
}
