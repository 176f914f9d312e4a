// SwiftMACE, MIT licence.
// ConvolutionKernelSource: the generated kernels of mace's conv_tp (ChannelwiseTensorProductDescriptor) fused with
// the sender gather and the receiver sum: forward, backward for the radial weights and the spherical harmonics,
// the sender-feature gradient over the sender CSR (deterministic, no atomics), and the same three on dual numbers
// (value and tangent) for reverse-over-forward training.

/// The conv_tp kernels of one descriptor, in one module source.
///
/// Operands follow the descriptor's polynomial `[weight, x1, x2] → [mid]` (features in ir_mul):
/// - ``forward``: receiver CSR; `weight`, `x2` per edge, `x1` gathered from the sender, `mid` per receiver row.
/// - ``backward``: receiver CSR, `backward(withRespectTo: [0, 2])` = `[weight, x1, x2, dmid] → [dweight, dx2]`;
///   `dmid` is read once per receiver row and kept in registers, `dweight` written per edge, `dx2` summed over
///   channels in the block.
/// - ``senderBackward``: sender CSR, `backward(withRespectTo: [1])` = `[weight, x1, x2, dmid] → [dx1]`; `dmid`
///   gathered from the receiver, `dx1` summed per sender row in registers: the transposed scatter without atomics.
/// - ``backwardWithEdgeDx1`` then ``senderSum``: the same three gradients in two passes instead of ``backward`` +
///   ``senderBackward``: the receiver-CSR backward also writes each edge's d/dx1 term (`backward(withRespectTo:
///   [0, 1, 2])`, per-edge `dx1` rows), and the sender CSR sums those rows. It reads `dmid` once per receiver
///   instead of gathering it per edge (the layer-2 conv: 20 KB per edge), at the price of one `[edges, x1]`
///   buffer written and read once.
/// - ``senderSumAdd``: ``senderSum`` over a subset of the edges (an edge chunk's, per-edge rows of a chunk buffer),
///   each CSR row's sum added to the sender row its `out_rows` entry names: the sender sum built up chunk by chunk.
///
/// On dual numbers, from ``dualPolynomial`` = `dual(withRespectTo: [0, 1, 2])` = `[w, x1, x2, ẇ, ẋ1, ẋ2] → [m,
/// ṁ]` (every operand paired with its tangent, same roles and layout), for a reverse pass over a dual forward in
/// which each output has a primal cotangent `m̄` and a tangent cotangent `ṁ̄`:
/// - ``dualForward``: receiver CSR; `mid` and its tangent per receiver row.
/// - ``dualWeightBackward``: receiver CSR, `backward(withRespectTo: [0, 3])` of the dual: per edge
///   `w̄ = ∂⟨m̄, m⟩/∂w + ∂⟨ṁ̄, ṁ⟩/∂w` and `ẇ̄ = ∂⟨ṁ̄, ṁ⟩/∂ẇ`; `m̄`, `ṁ̄` read once per receiver row.
/// - ``dualSenderBackward``: sender CSR, `backward(withRespectTo: [1, 4])` of the dual: `x̄1`, `ẋ̄1` summed per
///   sender row, `m̄`, `ṁ̄` gathered from the receiver (no atomics).
/// - ``dualBackwardInPlace`` then ``senderSum`` on each feature block: the last two in two passes, as for the plain
///   backward: the receiver-CSR kernel (`backward(withRespectTo: [0, 1, 3, 4])` of the dual, every output per edge)
///   writes `w̄` over `w` and `ẇ̄` over `ẇ` (in place: each edge's weights are read once, and nothing reads them
///   after) and each edge's `x̄1` and `ẋ̄1` terms, reading `m̄`, `ṁ̄` once per receiver instead of gathering them
///   per edge; the sender CSR sums the terms.
/// They have no 16-bit weight storage (entry points `…_f32`, `…_f64` only).
///
/// The per-edge weights (`weight`, and `dweight` of the backward) are in the storage type `W`: float32 kernels also
/// come with them in bfloat16 or float16 (entry points `…_f32_bf16`, `…_f32_f16`; arithmetic still float32).
///
/// The 16-bit feature variants (``halfCode``, a module of its own, entry points `…_f32_bf16` and `…_f32_f16` only)
/// also keep the node features in `W`: ``halfForward`` reads `weight` and the gathered `x1` in `W` and writes `mid`
/// in `W` (the receiver's sum in float32 registers, rounded once on store); ``halfBackward`` and
/// ``halfBackwardWithEdgeDx1`` read `weight`, `x1` in `W` and write `dweight` and the per-edge `dx1` terms in `W`
/// (`dmid`, `x2`, `dx2` stay float32); ``halfSenderSum`` sums those `W` terms per sender in float32.
/// ``senderBackward``'s `…_f32_<storage>` entry point already fits them (it reads no `x1`).
public struct ConvolutionKernelSource: Sendable {
    public let forward: GeneratedKernel
    public let backward: GeneratedKernel
    public let senderBackward: GeneratedKernel
    public let backwardWithEdgeDx1: GeneratedKernel
    public let senderSum: GeneratedKernel
    public let senderSumAdd: GeneratedKernel
    public let dualForward: GeneratedKernel
    public let dualWeightBackward: GeneratedKernel
    public let dualSenderBackward: GeneratedKernel
    public let dualBackwardInPlace: GeneratedKernel
    public let halfForward: GeneratedKernel
    public let halfBackward: GeneratedKernel
    public let halfBackwardWithEdgeDx1: GeneratedKernel
    public let halfSenderSum: GeneratedKernel
    /// The polynomials the kernels evaluate (for FLOP counts and the reference executor).
    public let forwardPolynomial: EquivariantPolynomial
    public let backwardPolynomial: EquivariantPolynomial
    public let senderBackwardPolynomial: EquivariantPolynomial
    /// `backward(withRespectTo: [0, 1, 2])`: `[weight, x1, x2, dmid] → [dweight, dx1, dx2]`.
    public let fullBackwardPolynomial: EquivariantPolynomial
    /// `dual(withRespectTo: [0, 1, 2])`: `[weight, x1, x2, dweight, dx1, dx2] → [mid, dmid]` (tangents named `d…`).
    public let dualPolynomial: EquivariantPolynomial
    /// `dualPolynomial.backward(withRespectTo: [0, 3])`: `[…dual inputs, dmid, ddmid] → [dweight, ddweight]`.
    public let dualWeightBackwardPolynomial: EquivariantPolynomial
    /// `dualPolynomial.backward(withRespectTo: [1, 4])`: `[…dual inputs, dmid, ddmid] → [dx1, ddx1]`.
    public let dualSenderBackwardPolynomial: EquivariantPolynomial
    /// `dualPolynomial.backward(withRespectTo: [0, 1, 3, 4])`: `[…dual inputs, dmid, ddmid] → [dweight, dx1,
    /// ddweight, ddx1]`.
    public let dualFullBackwardPolynomial: EquivariantPolynomial
    /// The module: prelude and every kernel above but the 16-bit feature variants.
    public let code: String
    /// The module of the 16-bit feature variants (prelude, ``halfForward``, ``halfBackward``,
    /// ``halfBackwardWithEdgeDx1``, ``halfSenderSum``).
    public let halfCode: String

    /// - Parameter prefix: the kernels' base names start with it (e.g. "conv2" → "conv2_forward").
    /// - Throws: `EquivarianceError.unsupported` when the conv is not uniform 1d (an `irreps2` entry of
    ///   multiplicity above 1).
    public init(descriptor: ChannelwiseTensorProductDescriptor, prefix: String = "conv") throws {
        forwardPolynomial = descriptor.polynomial
        backwardPolynomial = try descriptor.polynomial.backward(withRespectTo: [0, 2])
        senderBackwardPolynomial = try descriptor.polynomial.backward(withRespectTo: [1])
        forward = try GraphKernelGenerator(
            forwardPolynomial, name: prefix + "_forward", inputRoles: [.edge, .gathered, .edge], outputRoles: [.row],
            storedInputs: [0]
        ).generate()
        backward = try GraphKernelGenerator(
            backwardPolynomial, name: prefix + "_backward", inputRoles: [.edge, .gathered, .edge, .row],
            outputRoles: [.edge, .edge], storedInputs: [0], storedOutputs: [0]
        ).generate()
        senderBackward = try GraphKernelGenerator(
            senderBackwardPolynomial, name: prefix + "_sender_backward",
            inputRoles: [.edge, .row, .edge, .gathered], outputRoles: [.row], storedInputs: [0]
        ).generate()
        fullBackwardPolynomial = try descriptor.polynomial.backward(withRespectTo: [0, 1, 2])
        let full = try GraphKernelGenerator(
            fullBackwardPolynomial, name: prefix + "_backward_dx1", inputRoles: [.edge, .gathered, .edge, .row],
            outputRoles: [.edge, .edge, .edge], storedInputs: [0], storedOutputs: [0])
        backwardWithEdgeDx1 = full.generate()
        senderSum = try EdgeRowSumGenerator(
            name: prefix + "_sender_sum", channels: full.channels, size: forwardPolynomial.inputs[1].size
        ).generate()
        senderSumAdd = try EdgeRowSumGenerator(
            name: prefix + "_sender_sum_add", channels: full.channels, size: forwardPolynomial.inputs[1].size,
            scatterAdd: true
        ).generate()
        dualPolynomial = try descriptor.polynomial.dual(withRespectTo: [0, 1, 2])
        dualWeightBackwardPolynomial = try dualPolynomial.backward(withRespectTo: [0, 3])
        dualSenderBackwardPolynomial = try dualPolynomial.backward(withRespectTo: [1, 4])
        dualFullBackwardPolynomial = try dualPolynomial.backward(withRespectTo: [0, 1, 3, 4])
        dualForward = try GraphKernelGenerator(
            dualPolynomial, name: prefix + "_dual_forward",
            inputRoles: [.edge, .gathered, .edge, .edge, .gathered, .edge], outputRoles: [.row, .row]
        ).generate()
        dualWeightBackward = try GraphKernelGenerator(
            dualWeightBackwardPolynomial, name: prefix + "_dual_weight_backward",
            inputRoles: [.edge, .gathered, .edge, .edge, .gathered, .edge, .row, .row], outputRoles: [.edge, .edge]
        ).generate()
        dualSenderBackward = try GraphKernelGenerator(
            dualSenderBackwardPolynomial, name: prefix + "_dual_sender_backward",
            inputRoles: [.edge, .row, .edge, .edge, .row, .edge, .gathered, .gathered], outputRoles: [.row, .row]
        ).generate()
        dualBackwardInPlace = try GraphKernelGenerator(
            dualFullBackwardPolynomial, name: prefix + "_dual_backward_in_place",
            inputRoles: [.edge, .gathered, .edge, .edge, .gathered, .edge, .row, .row],
            outputRoles: [.edge, .edge, .edge, .edge], inPlace: [0: 0, 2: 3]
        ).generate()
        code = GeneratedModule.source([
            forward, backward, senderBackward, backwardWithEdgeDx1, senderSum, senderSumAdd, dualForward,
            dualWeightBackward, dualSenderBackward, dualBackwardInPlace,
        ])
        halfForward = try GraphKernelGenerator(
            forwardPolynomial, name: prefix + "_half_forward", inputRoles: [.edge, .gathered, .edge],
            outputRoles: [.row], storedInputs: [0, 1], storedOutputs: [0], halfOnly: true
        ).generate()
        halfBackward = try GraphKernelGenerator(
            backwardPolynomial, name: prefix + "_half_backward", inputRoles: [.edge, .gathered, .edge, .row],
            outputRoles: [.edge, .edge], storedInputs: [0, 1], storedOutputs: [0], halfOnly: true
        ).generate()
        halfBackwardWithEdgeDx1 = try GraphKernelGenerator(
            fullBackwardPolynomial, name: prefix + "_half_backward_dx1", inputRoles: [.edge, .gathered, .edge, .row],
            outputRoles: [.edge, .edge, .edge], storedInputs: [0, 1], storedOutputs: [0, 1], halfOnly: true
        ).generate()
        halfSenderSum = try EdgeRowSumGenerator(
            name: prefix + "_half_sender_sum", channels: full.channels, size: forwardPolynomial.inputs[1].size,
            storedInput: true
        ).generate()
        halfCode = GeneratedModule.source([halfForward, halfBackward, halfBackwardWithEdgeDx1, halfSenderSum])
    }
}
