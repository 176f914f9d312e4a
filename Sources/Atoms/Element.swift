// SwiftMACE, MIT licence.
// Chemical elements: symbol ↔ atomic number (1…118), as ASE's `chemical_symbols`.

/// Chemical element symbols and atomic numbers.
public enum Element {
    /// Symbols indexed by atomic number; index 0 is the placeholder "X" as in ASE.
    public static let symbols: [String] = [
        "X",
        "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg",
        "Al", "Si", "P", "S", "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr",
        "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge", "As", "Se", "Br", "Kr",
        "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd",
        "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd",
        "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf",
        "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po",
        "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
        "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs",
        "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
    ]

    private static let numberBySymbol: [String: Int] = {
        var table: [String: Int] = [:]
        for (z, symbol) in symbols.enumerated() where z > 0 { table[symbol] = z }
        return table
    }()

    /// The atomic number of a symbol such as "C" or "Cl" (exact case), or `nil` if it is not an element.
    public static func atomicNumber(of symbol: String) -> Int? { numberBySymbol[symbol] }

    /// The symbol of an atomic number in 1…118, or `nil`.
    public static func symbol(of atomicNumber: Int) -> String? {
        (1..<symbols.count).contains(atomicNumber) ? symbols[atomicNumber] : nil
    }

    /// The largest atomic number known.
    public static var maximumAtomicNumber: Int { symbols.count - 1 }
}
