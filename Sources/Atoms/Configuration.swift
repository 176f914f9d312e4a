// SwiftMACE, MIT licence.
// Configuration: one atomic structure with its labels (mace-torch's `Configuration`, mace/data/utils.py).

/// Which lattice directions are periodic.
public struct PBC: Sendable, Hashable, CustomStringConvertible {
    public var x: Bool
    public var y: Bool
    public var z: Bool

    public init(_ x: Bool, _ y: Bool, _ z: Bool) {
        self.x = x
        self.y = y
        self.z = z
    }

    public static let none = PBC(false, false, false)
    public static let all = PBC(true, true, true)

    public subscript(axis: Int) -> Bool {
        get { axis == 0 ? x : axis == 1 ? y : z }
        set {
            switch axis {
            case 0: x = newValue
            case 1: y = newValue
            default: z = newValue
            }
        }
    }

    public var any: Bool { x || y || z }
    public var all: Bool { x && y && z }

    /// ASE's form: "T T F".
    public var description: String { [x, y, z].map { $0 ? "T" : "F" }.joined(separator: " ") }
}

/// One atomic configuration: species, positions, cell and labels.
///
/// Units: positions and cell in Å, energy in eV, forces in eV/Å, stress in eV/Å³ (ASE's sign: positive =
/// tensile), virials in eV. Cell rows are lattice vectors. A configuration without a cell has a zero cell
/// and no periodic direction.
public struct Configuration: Sendable, Hashable {
    /// Atomic numbers, `[numAtoms]`.
    public var atomicNumbers: [Int]
    /// Cartesian positions in Å, `[numAtoms]`.
    public var positions: [SIMD3<Double>]
    /// Lattice vectors as rows (Å); `.zero` when the structure has no cell.
    public var cell: Matrix3
    public var pbc: PBC

    /// Reference energy in eV.
    public var energy: Double?
    /// Reference forces in eV/Å, `[numAtoms]`.
    public var forces: [SIMD3<Double>]?
    /// Reference stress in eV/Å³ (3×3, ASE sign convention).
    public var stress: Matrix3?
    /// Reference virials in eV (3×3).
    public var virials: Matrix3?

    /// Weight of the whole configuration in the loss (mace `config_weight`, default 1).
    public var weight: Double = 1
    /// Per-property weights (mace `config_energy_weight`, `config_forces_weight`, ...), default 1.
    public var energyWeight: Double = 1
    public var forcesWeight: Double = 1
    public var stressWeight: Double = 1
    public var virialsWeight: Double = 1
    /// mace's `config_type`, used for per-type error tables and weights ("Default" when absent).
    public var configType: String = "Default"

    /// Every other per-configuration value read from the file, in file order.
    public var info: OrderedFields<InfoValue> = OrderedFields()
    /// Every other per-atom column read from the file, in file order.
    public var arrays: OrderedFields<PerAtomColumn> = OrderedFields()

    public init(
        atomicNumbers: [Int], positions: [SIMD3<Double>], cell: Matrix3 = .zero, pbc: PBC = .none
    ) {
        precondition(
            atomicNumbers.count == positions.count,
            "\(atomicNumbers.count) atomic numbers but \(positions.count) positions")
        self.atomicNumbers = atomicNumbers
        self.positions = positions
        self.cell = cell
        self.pbc = pbc
    }

    public var numAtoms: Int { atomicNumbers.count }

    /// Whether the configuration has a non-degenerate cell (|det| > 1e-12 Å³).
    public var hasCell: Bool { abs(cell.determinant) > 1e-12 }

    /// Cell volume in Å³ (0 without a cell).
    public var volume: Double { abs(cell.determinant) }
}

/// The keys under which labels are read, as mace-torch's `--energy_key`, `--forces_key`, `--stress_key`,
/// `--virials_key`.
///
/// The defaults are mace-torch 0.3.16's (`REF_energy`, ...). As in mace-torch, whose `load_from_xyz` reads
/// ASE's calculator results when the key is `energy`/`forces`/`stress`, a default key that is absent from the
/// file falls back to the plain ASE name (`energy`, `forces`, `stress`, `virials`), so files written by ASE
/// work without options. An explicitly chosen key never falls back.
public struct PropertyKeys: Sendable, Hashable {
    public var energy: String
    public var forces: String
    public var stress: String
    public var virials: String

    public static let defaultEnergy = "REF_energy"
    public static let defaultForces = "REF_forces"
    public static let defaultStress = "REF_stress"
    public static let defaultVirials = "REF_virials"

    public init(
        energy: String = PropertyKeys.defaultEnergy, forces: String = PropertyKeys.defaultForces,
        stress: String = PropertyKeys.defaultStress, virials: String = PropertyKeys.defaultVirials
    ) {
        self.energy = energy
        self.forces = forces
        self.stress = stress
        self.virials = virials
    }

    /// The keys to try, in order, for one property: the chosen key, then the ASE name if the chosen key
    /// is mace's default.
    public static func candidates(for key: String, defaultKey: String, aseName: String) -> [String] {
        key == defaultKey ? [key, aseName] : [key]
    }

    public var energyCandidates: [String] {
        Self.candidates(for: energy, defaultKey: Self.defaultEnergy, aseName: "energy")
    }
    public var forcesCandidates: [String] {
        Self.candidates(for: forces, defaultKey: Self.defaultForces, aseName: "forces")
    }
    public var stressCandidates: [String] {
        Self.candidates(for: stress, defaultKey: Self.defaultStress, aseName: "stress")
    }
    public var virialsCandidates: [String] {
        Self.candidates(for: virials, defaultKey: Self.defaultVirials, aseName: "virials")
    }
}
