// SwiftMACE, MIT licence.
// MACEArchitecture: the hyper-parameters of a new MACE model as mace-torch's `run_train` builds it
// (`model_script_utils._build_model`, `modules.MACE.__init__`), before any weights exist.

import Equivariance

/// What `mace_run_train` needs to build a ScaleShiftMACE: sizes, irreps, and the statistics of the training set.
///
/// mace's `--model MACE` is a ScaleShiftMACE with shift 0; `--model ScaleShiftMACE` uses the mean as shift.
public struct MACEArchitecture: Sendable, Equatable {
    /// Z of the elements, ascending (mace's `z_table`).
    public var atomicNumbers: [Int]
    /// Cutoff, Å.
    public var rMax: Double = 5
    public var numBessel: Int = 8
    public var numPolynomialCutoff: Int = 5
    public var maxEll: Int = 3
    public var numInteractions: Int = 2
    /// Correlation order (body order − 1) of every product layer.
    public var correlation: Int = 3
    /// Hidden node irreps, all multiplicities equal (e.g. `128x0e+128x1o`).
    public var hiddenIrreps: Irreps
    /// Hidden irreps of the non-linear readout (e.g. `16x0e`).
    public var mlpIrreps: Irreps
    /// Hidden widths of the radial MLPs.
    public var radialMLP: [Int] = [64, 64, 64]
    /// true: `RealAgnosticResidualInteractionBlock`; false: `RealAgnosticInteractionBlock`.
    public var residualFirst: Bool = true
    public var residual: Bool = true
    /// Messages are divided by this (mace computes it from the training graphs).
    public var avgNumNeighbors: Double = 1
    /// E0 per element of `atomicNumbers`, eV.
    public var atomicEnergies: [Double]
    /// ScaleShiftMACE's `atomic_inter_scale` and `atomic_inter_shift` (eV).
    public var scale: Double = 1
    public var shift: Double = 0

    public init(atomicNumbers: [Int], hiddenIrreps: Irreps, mlpIrreps: Irreps, atomicEnergies: [Double]) {
        self.atomicNumbers = atomicNumbers
        self.hiddenIrreps = hiddenIrreps
        self.mlpIrreps = mlpIrreps
        self.atomicEnergies = atomicEnergies
    }

    /// e3nn's `normalize2mom` constant of SiLU (MACE.md §4.6), the only gate a new model uses.
    static let siluNormalization = 1.6791767923989418
}
