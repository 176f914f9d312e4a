// SwiftMACE, MIT licence.
// FusedWeightConvolutionSource: conv_tp kernels whose per-edge weights are never read from memory: each warp
// computes them as `h_e · W` (mace: the radial MLP's last layer) on 16-bit tensor cores into shared memory, then
// runs the generated tensor-product statements on them. Forward, and the backward with each edge's d/dx1 term.

/// The conv_tp forward and backward of one uniform-1d polynomial (``ChannelwiseTensorProductDescriptor``) with the
/// per-edge weights computed in the kernel from a per-edge input `h` `[edges, K]` and a matrix `W` `[K, weight
/// size]`, both in a 16-bit ``HalfStorage``, float32 accumulation and float32 arithmetic otherwise.
///
/// Why: mace's per-edge conv weights are its radial MLP's last layer. Written by a GEMM and read back by the conv
/// they are the largest traffic of a pass (24000 water atoms: 2.1 M edges × 1280 weights, 5.5 GB in 16 bits each
/// way, and the same again in the backward); computed here, only `h` (2K bytes per edge) is read.
///
/// Work split: a block is `WARPS` warps over one slice of 32 channels and `rows_per_block` receiver rows (block b:
/// slice b % slices, so a row block's slices run side by side and share `h`, `x1`, `x2` in L2; warp w takes rows
/// w, w + WARPS, …). The slice's columns of `W` sit in shared memory as `mma.m16n8k16` A fragments, laid out once on
/// the host (``fragments(weights:inputWidth:paths:channels:storage:)``). Each warp walks its row's edges in tiles of
/// 8 · GROUPS: the B fragments are the edges' `h` rows, `paths · 2 · GROUPS` products of 16 channels × 8 edges × K
/// give the tile's weights, stored per channel and path as one 32-bit word per edge pair (two 16-bit values, as a
/// stored weight buffer would round them), then lane = channel of the slice runs ``GraphKernelGenerator``'s term
/// statements edge by edge, so the arithmetic and its order per edge are those of the plain kernels.
/// - ``forward``: `[h, x1 (gathered), x2 (edge)] → [mid (row)]`, `mid` summed per receiver in float32 registers and
///   written in the 16-bit type (the linear after the conv takes 16-bit operands anyway, so this is the rounding
///   its conversion kernel would apply, without that kernel). Entry points `…_forward_<storage>` (8 warps, tiles of
///   8 edges) and `…_forward_<storage>_t16` (16 warps, tiles of 16 edges, each A fragment serving two mma).
/// - ``backward``: `backward(withRespectTo: [0, 1, 2])` = `[h, x1, x2, dmid (row)] → [dweight (edge, 16-bit),
///   dx1 (edge), dx2 (per slice)]`: `dweight` and each edge's d/dx1 term as the plain `…_backward_dx1` writes them
///   (the caller then forms d/dh by a GEMM with `Wᵀ` and sums the d/dx1 terms per sender); `dx2` summed over the
///   warp's 32 channels and written per slice, `[slices, edges, x2 size]`, which the caller adds up (fixed order:
///   deterministic; no atomics).
public struct FusedWeightConvolutionSource: Sendable {
    /// Channels per block (one warp's lanes).
    public static let slice = 32
    /// The base names of the entry points (`<name>_bf16`, `<name>_f16`).
    public let forwardName: String
    public let backwardName: String
    /// `K`: the width of `h`.
    public let inputWidth: Int
    /// Channels `C` (a multiple of 32) and paths (`weight size = paths · C`).
    public let channels: Int
    public let paths: Int
    /// Sizes of `x2` per edge and of `x1`, `mid` per row.
    public let x1Size: Int
    public let x2Size: Int
    public let midSize: Int
    /// The module: helpers, both kernels and their entry points.
    public let code: String
    /// The sizes the kernels were generated for (fragments, tile strides).
    private let layout: Layout

    /// - Throws: `EquivarianceError.unsupported` when the polynomial is not a conv_tp `[weight, x1, x2] → [mid]`
    ///   with `[C, 1]` weight segments, C a multiple of 32, `x2` without a channel and of a size divisible by 4,
    ///   or when `inputWidth` is not a positive multiple of 32.
    public init(
        descriptor: ChannelwiseTensorProductDescriptor, inputWidth: Int, prefix: String = "conv_fused"
    ) throws {
        let polynomial = descriptor.polynomial
        let forward = try GraphKernelGenerator(
            polynomial, name: prefix + "_forward", inputRoles: [.edge, .gathered, .edge], outputRoles: [.row])
        let backwardPolynomial = try polynomial.backward(withRespectTo: [0, 1, 2])
        let backward = try GraphKernelGenerator(
            backwardPolynomial, name: prefix + "_backward", inputRoles: [.edge, .gathered, .edge, .row],
            outputRoles: [.edge, .edge, .edge])
        let label = "fused-weight conv '\(prefix)' of '\(polynomial.name)'"
        let weight = polynomial.inputs[0], x2 = polynomial.inputs[2]
        let channels = forward.channels
        guard channels > 0, channels % Self.slice == 0, weight.segments.allSatisfy({ $0 == [channels, 1] }) else {
            throw EquivarianceError.unsupported(
                "\(label): weight segments \(weight.segments) over \(channels) channels; expected [C, 1] segments, "
                    + "C a multiple of \(Self.slice)")
        }
        guard forward.inputHasChannel[2] == false, x2.size % 4 == 0 else {
            throw EquivarianceError.unsupported(
                "\(label): x2 of size \(x2.size); expected a per-edge row without channels, size divisible by 4")
        }
        guard inputWidth > 0, inputWidth % 32 == 0 else {
            throw EquivarianceError.unsupported(
                "\(label): h of width \(inputWidth); expected a positive multiple of 32 (a quad's 16-byte loads)")
        }
        forwardName = prefix + "_forward"
        backwardName = prefix + "_backward"
        self.inputWidth = inputWidth
        self.channels = channels
        paths = weight.segments.count
        x1Size = polynomial.inputs[1].size
        x2Size = x2.size
        midSize = polynomial.outputs[0].size
        layout = Layout(channels: channels, paths: paths, k: inputWidth, x1: x1Size, x2: x2Size, mid: midSize)
        code = ([Self.helpers] + [
            layout.kernel(forward, name: forwardName, backward: false),
            layout.kernel(backward, name: backwardName, backward: true),
        ]).joined(separator: "\n")
    }

    /// Shared-memory bytes a block of `warps` warps needs (the slice's fragments, then one edge-weight tile per
    /// warp).
    public func sharedMemoryBytes(warps: Int, groups: Int = 1) -> Int {
        layout.fragmentCount * 16 + warps * groups * layout.tileBytes
    }

    /// The entry point of a kernel for a storage type.
    public static func entryName(_ base: String, _ storage: HalfStorage) -> String { base + "_" + storage.suffix }

    /// `W` (`[K, paths · C]` row-major, values) as the kernels' shared-memory A fragments in `storage`, per slice:
    /// `[slices][paths][2 (16-channel halves)][K / 16][32 lanes][8]` 16-bit values. Fragment (path p, half m, step
    /// s) is the 16 × 16 matrix `A[r][kk] = W[k(s, kk)][p · C + slice · 32 + m · 16 + r]` in the PTX m16n8k16
    /// A layout (lane = 4g + t: registers {A[g][2t..], A[g+8][2t..], A[g][2t+8..], A[g+8][2t+8..]}, two values each,
    /// the lower k in the low half). `k(s, kk)` is the order in which the kernels load `h`: lane t of a quad reads
    /// the block `h[(K / 4)·t ..< (K / 4)·(t + 1)]` and uses its words 2s, 2s + 1 as B registers of step s, so logical
    /// `kk = 2t' + r` (+ 8 for the second register) of step s is `h[(K / 4)·t' + 4s + r]` (`+ 2`).
    public static func fragments(
        weights: [Double], inputWidth k: Int, paths: Int, channels: Int, storage: HalfStorage
    ) -> [UInt16] {
        let columns = paths * channels
        precondition(weights.count == k * columns && k % 32 == 0 && channels % slice == 0)
        var out: [UInt16] = []
        out.reserveCapacity(weights.count)
        for s in 0..<(channels / slice) {
            for p in 0..<paths {
                for m in 0..<2 {
                    for step in 0..<(k / 16) {
                        for lane in 0..<32 {
                            let (g, t) = (lane >> 2, lane & 3)
                            for (row, high) in [(g, 0), (g + 8, 0), (g, 1), (g + 8, 1)] {
                                for r in 0..<2 {
                                    let depth = hIndex(step: step, kk: 2 * t + 8 * high + r, inputWidth: k)
                                    let column = p * channels + s * slice + m * 16 + row
                                    out.append(storage.bits(weights[depth * columns + column]))
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The index into `h` (width K) of logical depth `kk` (0..<16) of mma step `step` (see
    /// ``fragments(weights:inputWidth:paths:channels:storage:)``).
    public static func hIndex(step: Int, kk: Int, inputWidth k: Int) -> Int {
        let (t, r, high) = ((kk % 8) / 2, kk % 2, kk / 8)
        return k / 4 * t + 4 * step + 2 * high + r
    }

    /// The mma wrappers and the packing of an edge pair's weights into one 32-bit word (first edge in the low
    /// half, round to nearest even) and back, for bf16 and f16 chosen by the type of a tag pointer; shared by both
    /// kernels.
    static let helpers = GeneratedModule.prelude + """
        __device__ __forceinline__ unsigned swiftmace_pack2(float low, float high, const swiftmace_bf16*) {
          unsigned d; asm("cvt.rn.bf16x2.f32 %0, %1, %2;" : "=r"(d) : "f"(high), "f"(low)); return d; }
        __device__ __forceinline__ unsigned swiftmace_pack2(float low, float high, const swiftmace_fp16*) {
          unsigned d; asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(d) : "f"(high), "f"(low)); return d; }
        __device__ __forceinline__ float swiftmace_unpack_low(unsigned w, const swiftmace_bf16*) { return __uint_as_float(w << 16); }
        __device__ __forceinline__ float swiftmace_unpack_high(unsigned w, const swiftmace_bf16*) { return __uint_as_float(w & 0xffff0000u); }
        __device__ __forceinline__ float swiftmace_unpack_low(unsigned w, const swiftmace_fp16*) {
          float f; asm("{ .reg .b16 l, h; mov.b32 {l, h}, %1; cvt.f32.f16 %0, l; }" : "=f"(f) : "r"(w)); return f; }
        __device__ __forceinline__ float swiftmace_unpack_high(unsigned w, const swiftmace_fp16*) {
          float f; asm("{ .reg .b16 l, h; mov.b32 {l, h}, %1; cvt.f32.f16 %0, h; }" : "=f"(f) : "r"(w)); return f; }
        __device__ __forceinline__ void swiftmace_mma16(float* c, const uint4& a, unsigned b0, unsigned b1, const swiftmace_bf16*) {
          asm("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\\n"
              : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3]) : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b0), "r"(b1));
        }
        __device__ __forceinline__ void swiftmace_mma16(float* c, const uint4& a, unsigned b0, unsigned b1, const swiftmace_fp16*) {
          asm("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\\n"
              : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3]) : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b0), "r"(b1));
        }

        """
}

/// The sizes one module's kernels are generated for, and the text shared by both.
private struct Layout {
    let channels: Int
    let paths: Int
    let k: Int
    let x1: Int
    let x2: Int
    let mid: Int

    var steps: Int { k / 16 }
    /// uint4 fragments of one slice.
    var fragmentCount: Int { paths * 2 * steps * 32 }
    /// Row stride of an edge-weight tile in 32-bit words (one word per channel and path holds an edge pair's two
    /// 16-bit weights): `paths · 32` padded to 8 mod 32, so a quad's four pair rows start on banks 8 apart and the
    /// fragment stores hit distinct banks.
    var tileStride: Int { paths * FusedWeightConvolutionSource.slice + 8 }
    /// Bytes of one warp's tile of 8 edges (an mma's N); a tile of `groups` · 8 edges takes `groups` of them.
    var tileBytes: Int { 4 * tileStride * 4 }

    func kernel(_ generator: GraphKernelGenerator, name: String, backward: Bool) -> String {
        let (statements, used, usedOutputs) = generator.termStatements()
        var parameters = ["int rows", "int rows_per_block"]
        if backward { parameters.append("int edges") }
        parameters += [
            "const int* __restrict__ row_offsets", "const int* __restrict__ edge_ids",
            "const int* __restrict__ gather_rows", "const W* __restrict__ h", "const uint4* __restrict__ fragments",
            "const float* __restrict__ in1", "const float* __restrict__ in2",
        ]
        parameters += backward
            ? ["const float* __restrict__ in3", "W* __restrict__ out0", "float* __restrict__ out1",
               "float* __restrict__ out2"]
            : ["W* __restrict__ out0"]
        var body = [
            "typedef float T;",
            "constexpr int C = \(channels);",
            "constexpr int S = \(FusedWeightConvolutionSource.slice);",
            "constexpr int P = \(paths);",
            "constexpr int KS = \(steps);",
            "constexpr int STRIDE = \(tileStride);",
            "extern __shared__ uint4 swiftmace_shared[];",
            "const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;",
            "const int g8 = lane >> 2, t4 = lane & 3;",
            "const int slice = blockIdx.x % \(channels / FusedWeightConvolutionSource.slice);",
            "const int u = slice * S + lane;",
            "{",
            "  const uint4* __restrict__ source = fragments + (size_t)slice * \(fragmentCount);",
            "  for (int i = threadIdx.x; i < \(fragmentCount); i += WARPS * 32) swiftmace_shared[i] = source[i];",
            "}",
            "__syncthreads();",
            "const uint4* wf = swiftmace_shared;",
            "unsigned* rs = reinterpret_cast<unsigned*>(swiftmace_shared + \(fragmentCount)) + warp * GROUPS * 4 * STRIDE;",
            "const int first = (blockIdx.x / \(channels / FusedWeightConvolutionSource.slice)) * rows_per_block;",
            "const int stop = min(rows, first + rows_per_block);",
            "for (int row = first + warp; row < stop; row += WARPS) {",
        ]
        var inner = [
            "const int begin = row_offsets[row];",
            "const int end = row_offsets[row + 1];",
        ]
        if backward {
            inner.append("const T* __restrict__ row3 = in3 + (size_t)row * \(mid) + u;")
            for comp in used[3].sorted() { inner.append("const T \(generator.inputName(3, comp)) = row3[\(comp) * C];") }
        } else {
            for comp in usedOutputs[0].sorted() { inner.append("T \(generator.outputName(0, comp)) = T(0);") }
        }
        inner.append("for (int tile = begin; tile < end; tile += 8 * GROUPS) {")
        inner += tilePrologue().map { "  " + $0 }
        inner += edgeLoop(generator, statements: statements, used: used, usedOutputs: usedOutputs, backward: backward)
            .map { "  " + $0 }
        inner.append("  __syncwarp();")
        inner.append("}")
        if !backward {
            inner.append("W* __restrict__ o0 = out0 + (size_t)row * \(mid) + u;")
            for comp in 0..<(mid / channels) {
                let value = usedOutputs[0].contains(comp) ? generator.outputName(0, comp) : "T(0)"
                inner.append("swiftmace_store(o0 + \(comp) * C, \(value));")
            }
        }
        body += inner.map { "  " + $0 }
        body.append("}")
        let kind = backward ? "backward (dweight, per-edge dx1, dx2 per slice)" : "forward"
        var code = "// \(name): \(generator.polynomial.name) \(kind), per-edge weights h · W on tensor cores; "
            + "WARPS warps per block, one 32-channel slice per block (blockIdx.x % slices)\n"
        code += "template <typename W, int WARPS, int GROUPS>\n__device__ __forceinline__ void \(name)_body(\(parameters.joined(separator: ", "))) {\n"
        code += body.map { "  " + $0 }.joined(separator: "\n") + "\n}\n\n"
        for storage in HalfStorage.allCases { for (warps, groups, suffix) in (backward ? [(8, 1, "")] : [(8, 1, ""), (16, 2, "_t16")]) {
            let declared = parameters.map { $0.replacingOccurrences(of: "W", with: storage.cudaType) }
            let names = parameters.map { $0.split(separator: " ").last.map(String.init) ?? $0 }
            code += """
                extern "C" __global__ void __launch_bounds__(\(warps * 32)) \(FusedWeightConvolutionSource.entryName(name, storage))\(suffix)(
                    \(declared.joined(separator: ",\n    "))) {
                  \(name)_body<\(storage.cudaType), \(warps), \(groups)>(\(names.joined(separator: ", ")));
                }

                """
        } }
        return code
    }

    /// The tile's edge weights into the warp's tile `rs`: `count` edges from CSR position `tile`, zero rows past it.
    private func tilePrologue() -> [String] {
        [
            "const int count = min(8 * GROUPS, end - tile);",
            "unsigned hb[GROUPS][\(2 * steps)];",
            "#pragma unroll",
            "for (int n = 0; n < GROUPS; ++n) {",
            "  const int edge = n * 8 + g8;",
            "  const bool valid = edge < count;",
            "  const uint4* __restrict__ hq = reinterpret_cast<const uint4*>(h + (size_t)edge_ids[valid ? tile + edge : tile] * \(k)) + t4 * \(k / 32);",
            "  #pragma unroll",
            "  for (int j = 0; j < \(k / 32); ++j) {",
            "    const uint4 v = valid ? hq[j] : make_uint4(0u, 0u, 0u, 0u);",
            "    hb[n][4 * j] = v.x; hb[n][4 * j + 1] = v.y; hb[n][4 * j + 2] = v.z; hb[n][4 * j + 3] = v.w;",
            "  }",
            "}",
            "__syncwarp();",
            "#pragma unroll",
            "for (int p = 0; p < P; ++p) {",
            "  #pragma unroll",
            "  for (int m = 0; m < 2; ++m) {",
            "    float c[GROUPS][4];",
            "    #pragma unroll",
            "    for (int n = 0; n < GROUPS; ++n) c[n][0] = c[n][1] = c[n][2] = c[n][3] = 0.f;",
            "    #pragma unroll",
            "    for (int s = 0; s < KS; ++s) {",
            "      const uint4 a = wf[((p * 2 + m) * KS + s) * 32 + lane];",
            "      #pragma unroll",
            "      for (int n = 0; n < GROUPS; ++n) swiftmace_mma16(c[n], a, hb[n][2 * s], hb[n][2 * s + 1], h);",
            "    }",
            "    #pragma unroll",
            "    for (int n = 0; n < GROUPS; ++n) {",
            "      unsigned* o = rs + (4 * n + t4) * STRIDE + p * S + m * 16 + g8;",
            "      o[0] = swiftmace_pack2(c[n][0], c[n][1], h);",
            "      o[8] = swiftmace_pack2(c[n][2], c[n][3], h);",
            "    }",
            "  }",
            "}",
            "__syncwarp();",
        ]
    }

    /// The loop over the tile's edges, two per trip (the edge pair whose weights share the tile's words): both
    /// edges' loads first (weights unpacked from the tile, `x1` gathered, `x2` per edge; a missing second edge reads
    /// the first's rows), then each edge's term statements in order, the second only if it exists; the backward
    /// also writes each edge's `dweight` and d/dx1 term and its channel-summed d/dx2 for the slice.
    private func edgeLoop(
        _ generator: GraphKernelGenerator, statements: [String], used: [Set<Int>], usedOutputs: [Set<Int>],
        backward: Bool
    ) -> [String] {
        var loads = [
            "const size_t e = (size_t)edge_ids[tile + q];",
            "const size_t g = (size_t)gather_rows[tile + q];",
        ]
        var locals = ["e", "g"]
        loads.append("const T* __restrict__ xs = in1 + g * \(x1) + u;")
        locals.append("xs")
        for comp in used[1].sorted() {
            loads.append("const T \(generator.inputName(1, comp)) = xs[\(comp) * C];")
            locals.append(generator.inputName(1, comp))
        }
        loads.append("const T* __restrict__ ys = in2 + e * \(x2);")
        locals.append("ys")
        for first in stride(from: 0, to: x2, by: 4) {
            let names = (first..<first + 4).map { generator.inputName(2, $0) }
            loads.append("T \(names.joined(separator: ", ")); swiftmace_load4(ys + \(first), \(names.joined(separator: ", ")));")
            locals += names
        }
        let weights = used[0].sorted()
        locals += weights.map { generator.inputName(0, $0) }
        var work: [String] = []
        if backward {
            for k in 0..<3 {
                for comp in usedOutputs[k].sorted() { work.append("T \(generator.outputName(k, comp)) = T(0);") }
            }
        }
        work += statements
        if backward {
            work.append("{")
            work.append("  W* __restrict__ o0 = out0 + e * \(paths * channels) + u;")
            for comp in 0..<paths {
                let value = usedOutputs[0].contains(comp) ? generator.outputName(0, comp) : "T(0)"
                work.append("  swiftmace_store(o0 + \(comp) * C, \(value));")
            }
            work.append("  float* __restrict__ o1 = out1 + e * \(x1) + u;")
            for comp in 0..<(x1 / channels) {
                let value = usedOutputs[1].contains(comp) ? generator.outputName(1, comp) : "T(0)"
                work.append("  o1[\(comp) * C] = \(value);")
            }
            work.append("}")
            let values = (0..<x2).map { usedOutputs[2].contains($0) ? generator.outputName(2, $0) : "T(0)" }
            work += GraphKernelGenerator.warpTransposeSum(values) { "out2[((size_t)slice * edges + e) * \(x2) + \($0)]" }
        }
        let names = Set(locals + ["q"])
        func slot(_ lines: [String], _ k: Int) -> [String] {
            lines.map { GraphKernelGenerator.renamed($0, names, suffix: "_\(k)") }
        }
        var lines = [
            "for (int q = 0; q < count; q += 2) {",
            "  const bool second = q + 1 < count;",
            "  const int q_0 = q;",
            "  const int q_1 = second ? q + 1 : q;",
            "  const unsigned* tw = rs + (q >> 1) * STRIDE + lane;",
        ]
        for comp in weights {
            let name = generator.inputName(0, comp)
            lines.append("  const unsigned w\(comp) = tw[\(comp) * S];")
            lines.append("  const T \(name)_0 = swiftmace_unpack_low(w\(comp), h), \(name)_1 = swiftmace_unpack_high(w\(comp), h);")
        }
        lines += (slot(loads, 0) + slot(loads, 1)).map { "  " + $0 }
        lines.append("  {")
        lines += slot(work, 0).map { "    " + $0 }
        lines.append("  }")
        lines.append("  if (second) {")
        lines += slot(work, 1).map { "    " + $0 }
        lines.append("  }")
        lines.append("}")
        return lines
    }
}
