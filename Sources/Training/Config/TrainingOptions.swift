// SwiftMACE, MIT licence.
// TrainingOptions: every option of `swiftmace train`, with mace-torch 0.3.16's defaults (tools/arg_parser.py).
// Names, help texts and the snake_case spelling live in one table, TrainingOptions+Table.swift.

/// The options of a training run. Defaults are mace-torch's; a nil optional means mace's `None`.
///
/// Build one with `TrainingOptions.load(yamlFile:arguments:)` (YAML file, then `--name value` flags on top),
/// which validates everything before any work starts.
public struct TrainingOptions: Sendable, Equatable {
    // Run and output
    public var name: String?
    public var seed: Int = 123
    public var workDir: String = "."
    public var logDir: String?
    public var modelDir: String?
    public var checkpointsDir: String?
    public var resultsDir: String?
    public var device: DeviceChoice = .cpu
    public var defaultDtype: DTypeChoice = .float64
    public var errorTable: ErrorTableKind = .perAtomRMSE
    public var restartLatest: Bool = false
    public var keepCheckpoints: Bool = false
    public var saveAllCheckpoints: Bool = false

    // Model
    public var model: ModelKind = .mace
    public var rMax: Double = 5.0
    public var numRadialBasis: Int = 8
    public var numCutoffBasis: Int = 5
    public var interaction: InteractionKind = .residual
    public var interactionFirst: InteractionKind = .residual
    public var maxEll: Int = 3
    public var correlation: Int = 3
    public var numInteractions: Int = 2
    public var mlpIrreps: String = "16x0e"
    public var radialMLP: [Int] = [64, 64, 64]
    public var hiddenIrreps: String?
    public var numChannels: Int?
    public var maxL: Int?
    public var scaling: ScalingKind = .rmsForces
    public var avgNumNeighbors: Double = 1
    public var computeAvgNumNeighbors: Bool = true
    public var computeForces: Bool = true
    public var computeStress: Bool = false

    // Data
    public var trainFile: String?
    public var validFile: String?
    public var validFraction: Double = 0.1
    public var testFile: String?
    public var testDir: String?
    public var e0s: E0sOption?
    public var energyKey: String = "REF_energy"
    public var forcesKey: String = "REF_forces"
    public var stressKey: String = "REF_stress"
    public var virialsKey: String = "REF_virials"
    public var configTypeWeights: [String: Double] = ["Default": 1.0]
    public var keepIsolatedAtoms: Bool = false

    // Loss
    public var loss: LossKind = .weighted
    public var energyWeight: Double = 1
    public var forcesWeight: Double = 100
    public var stressWeight: Double = 1
    public var virialsWeight: Double = 1
    public var huberDelta: Double = 0.01

    // Optimisation
    public var optimizer: OptimizerKind = .adam
    public var amsgrad: Bool = true
    public var lr: Double = 0.01
    public var weightDecay: Double = 5e-7
    public var beta: Double = 0.9
    public var batchSize: Int = 10
    public var validBatchSize: Int = 10
    public var maxNumEpochs: Int = 2048
    public var patience: Int = 2048
    public var evalInterval: Int = 1
    public var clipGrad: Double? = 10
    public var scheduler: SchedulerKind = .reduceLROnPlateau
    public var lrFactor: Double = 0.8
    public var schedulerPatience: Int = 50
    public var lrSchedulerGamma: Double = 0.9993
    public var ema: Bool = false
    public var emaDecay: Double = 0.99

    // Stage two (mace calls it swa)
    public var swa: Bool = false
    public var startSwa: Int?
    public var swaLR: Double = 1e-3
    public var swaEnergyWeight: Double = 1000
    public var swaForcesWeight: Double = 100
    public var swaStressWeight: Double = 10
    public var swaVirialsWeight: Double = 10

    public init() {}
}

extension TrainingOptions {
    /// mace's run tag, `<name>_run-<seed>`, which names checkpoints and logs (`tools/utils.get_tag`).
    public var tag: String { "\(name ?? "MACE")_run-\(seed)" }

    /// `log_dir`, or `<work_dir>/logs` as mace's `check_args` sets it.
    public var resolvedLogDir: String { logDir ?? joined(workDir, "logs") }
    /// `model_dir`, or `work_dir`.
    public var resolvedModelDir: String { modelDir ?? workDir }
    /// `checkpoints_dir`, or `<work_dir>/checkpoints`.
    public var resolvedCheckpointsDir: String { checkpointsDir ?? joined(workDir, "checkpoints") }
    /// `results_dir`, or `<work_dir>/results`.
    public var resolvedResultsDir: String { resultsDir ?? joined(workDir, "results") }

    /// Whether stage two runs: `swa`, or `start_swa` given, and it starts within `max_num_epochs`
    /// (mace `check_args` turns it off, with a warning, when `start_swa > max_num_epochs`).
    public var stageTwoEnabled: Bool { (swa || startSwa != nil) && stageTwoStartEpoch <= maxNumEpochs }

    /// The epoch stage two starts: `start_swa`, or `max(1, max_num_epochs // 4 * 3)`.
    public var stageTwoStartEpoch: Int { startSwa ?? max(1, maxNumEpochs / 4 * 3) }

    private func joined(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
