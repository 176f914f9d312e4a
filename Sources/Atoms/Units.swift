// SwiftMACE, MIT licence.
// Unit conversions used when reading data. SwiftMACE works in eV, Å, eV/Å and eV/Å³ throughout.

/// Conversion factors into SwiftMACE's units (eV, Å, eV/Å, eV/Å³).
public enum Units {
    /// 1 kcal/mol in eV: ASE's `units.kcal / units.mol`, the factor the rMD17 → extxyz (BOTNet/MACE) files
    /// were made with.
    public static let kcalPerMol = 0.04336410390059322
    /// 1 eV/Å³ in GPa (ASE `units.GPa`: 1 GPa = 1/160.21766208 eV/Å³).
    public static let gigapascalPerEVPerCubicÅngström = 160.21766208
    /// 1 kbar in eV/Å³ (0.1 GPa).
    public static let kilobar = 0.1 / 160.21766208
}
