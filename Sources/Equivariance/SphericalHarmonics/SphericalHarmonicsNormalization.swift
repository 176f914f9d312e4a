// SwiftMACE, MIT licence.
// The three output normalisations of e3nn's `o3.spherical_harmonics` (MACE.md §2.2).

/// How each `Y^l` block is scaled, for unit input vectors (e3nn's `normalization=` argument).
public enum SphericalHarmonicsNormalization: String, Sendable, Hashable, Codable, CaseIterable {
    /// `‖Y^l‖² = 2l+1`; `Y^0 = 1`. mace uses this.
    case component
    /// `‖Y^l‖ = 1`.
    case norm
    /// `∫_{S²} (Y^l_m)² = 1`: component divided by `√(4π)`.
    case integral

    /// The factor applied to the raw polynomial block `S^l`, computed as e3nn does.
    func factor(l: Int) -> Double {
        switch self {
        case .component: Double(2 * l + 1).squareRoot()
        case .norm: 1
        case .integral: Double(2 * l + 1).squareRoot() / (4 * Double.pi).squareRoot()
        }
    }
}
