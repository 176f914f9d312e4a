// SwiftMACE, MIT licence.
// EdgeRowSumGenerator: a CUDA kernel summing per-edge rows into CSR rows, `out[r] = Σ_{p in row r}
// in[edge_ids[p]]`, in edge order (no atomics): the sender-CSR half of a gradient whose per-edge terms another
// kernel wrote, e.g. conv_tp's d/dx1 computed in the receiver-CSR backward; or added into scattered rows.

/// Generates `<name>_f32` / `<name>_f64` with the graph kernels' parameters `(int rows, const int* row_offsets,
/// const int* edge_ids, const int* gather_rows, const T* in0, T* out0)` (`gather_rows` unused), rows of `size`
/// values in the ir_mul layout, `size / channels` components of stride `channels`; thread x = channel. With
/// `storedInput`, `in0` is in a 16-bit ``HalfStorage`` (widened on load, sums in float32) and only the float32
/// entry points for those exist (`<name>_f32_bf16`, `<name>_f32_f16`). With `scatterAdd` a last parameter
/// `const int* out_rows` follows and row `r`'s sum is added to `out0[out_rows[r]]` (each target row at most once per
/// launch, so still no atomics): partial sums over a subset of the edges, e.g. one edge chunk's, accumulated into the
/// full rows chunk after chunk.
public struct EdgeRowSumGenerator {
    let name: String
    let channels: Int
    let size: Int
    let storedInput: Bool
    let scatterAdd: Bool

    /// - Throws: `EquivarianceError.unsupported` unless `size` is a positive multiple of `channels`.
    public init(name: String, channels: Int, size: Int, storedInput: Bool = false, scatterAdd: Bool = false) throws {
        guard channels > 0, size > 0, size % channels == 0 else {
            throw EquivarianceError.unsupported(
                "row sum '\(name)': \(size) values per row over \(channels) channels; expected a positive multiple")
        }
        self.name = name
        self.channels = channels
        self.size = size
        self.storedInput = storedInput
        self.scatterAdd = scatterAdd
    }

    /// The generated kernel.
    public func generate() -> GeneratedKernel {
        let threads = max(32, (channels + 31) / 32 * 32)
        let rowsPerBlock = max(1, 256 / threads)
        let parameters: [(type: String, name: String)] = [
            ("int", "rows"), ("const int* __restrict__", "row_offsets"), ("const int* __restrict__", "edge_ids"),
            ("const int* __restrict__", "gather_rows"), ("const \(storedInput ? "W" : "T")* __restrict__", "in0"),
            ("T* __restrict__", "out0"),
        ] + (scatterAdd ? [("const int* __restrict__", "out_rows")] : [])
        let components = size / channels
        var lines = ["constexpr int C = \(channels);", "const int u = threadIdx.x;"]
        lines.append(channels == threads ? "constexpr bool active = true;" : "const bool active = u < C;")
        lines.append("const int uc = active ? u : 0;")
        lines.append("const int row = blockIdx.x * blockDim.y + threadIdx.y;")
        lines.append("if (row >= rows) return;")
        lines.append("const int begin = row_offsets[row];")
        lines.append("const int end = row_offsets[row + 1];")
        lines += (0..<components).map { "T s\($0) = T(0);" }
        let loads = ["const \(storedInput ? "W" : "T")* __restrict__ q = in0 + (size_t)edge_ids[p] * \(size) + uc;"]
            + (0..<components).map {
                "const T v\($0) = " + (storedInput ? "T(swiftmace_widen(q[\($0) * C]));" : "q[\($0) * C];")
            }
        lines += GraphKernelGenerator.pairedLoop(
            index: "p", from: "begin", to: "end", loads: loads, work: (0..<components).map { "s\($0) += v\($0);" },
            locals: ["q"] + (0..<components).map { "v\($0)" })
        lines.append("if (active) {")
        let (target, store) = scatterAdd ? ("out_rows[row]", "+=") : ("row", "=")
        lines.append("  T* __restrict__ o = out0 + (size_t)\(target) * \(size) + u;")
        lines += (0..<components).map { "  o[\($0) * C] \(store) s\($0);" }
        lines.append("}")
        return GeneratedKernel.assembled(
            name: name, comment: "\(name): per-edge rows of \(size) values summed into CSR rows", parameters: parameters,
            body: lines, channelThreads: threads, rowsPerBlock: rowsPerBlock, storage: storedInput,
            halfOnly: storedInput)
    }
}
