// SwiftMACE, MIT licence.
// RadialMLPPrecision: how a float32 model's radial-MLP GEMMs use the tensor cores (the MLP's GEMMs are most of a
// step's arithmetic).

/// The arithmetic of a float32 model's radial-MLP GEMMs (float64 models always use float64).
public enum RadialMLPPrecision: String, Sendable, CaseIterable {
    /// IEEE float32 GEMMs on the CUDA cores.
    case float32
    /// The last layer's forward GEMM (the widest, `[E, h] · [h, weight_numel]`) as three TF32 products in one
    /// GEMM of depth `3h`: `[x_hi | x_hi | x_lo] · [W_hi; W_lo; W_hi]`, the split parts exact in TF32 and float32,
    /// so the result has float32-class error (≈2⁻²¹ per product) on the tensor cores. Other GEMMs stay float32.
    case split3xTF32 = "3xtf32"
    /// Every radial-MLP GEMM in plain TF32 (operands rounded to 10 mantissa bits): measured force errors 2e-4 to
    /// 1.6e-3 relative on the fixture models.
    case tf32
}
