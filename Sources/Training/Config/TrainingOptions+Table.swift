// SwiftMACE, MIT licence.
// The one table of training options: snake_case name (as mace-torch's arg_parser spells it), aliases, Swift
// field, type, default and help. Loading, validation messages and `--help` all read it.

/// One row of the options table.
public struct TrainingOptionSpec: Sendable {
    /// The snake_case name used in YAML and as `--name` on the command line.
    public let name: String
    /// Other accepted spellings (mace's `--stage_two` for `--swa`, older MACE names).
    public let aliases: [String]
    /// The Swift property of `TrainingOptions` it sets.
    public let field: String
    /// The expected type, as errors word it ("a number", "one of 'adam', 'adamw'").
    public let expectation: String
    /// The default, as written in YAML ("null" for none).
    public let defaultText: String
    /// One line of help, mostly mace's.
    public let help: String
    /// Whether a command-line flag may stand alone (booleans).
    public let isFlag: Bool
    /// Sets the field from a raw value; false when the value does not have the field's type.
    let assign: @Sendable (inout TrainingOptions, RawOptionValue) -> Bool
    /// The field's value as YAML text.
    let read: @Sendable (TrainingOptions) -> String

    init<V: OptionValue>(
        _ name: String, _ keyPath: WritableKeyPath<TrainingOptions, V> & Sendable, _ help: String,
        aliases: [String] = []
    ) {
        self.name = name
        self.aliases = aliases
        self.field = String(describing: keyPath).split(separator: ".").last.map(String.init) ?? name
        self.expectation = V.expectation
        self.defaultText = TrainingOptions()[keyPath: keyPath].optionText
        self.help = help
        self.isFlag = V.isFlag
        self.assign = { options, raw in
            guard let value = V(option: raw) else { return false }
            options[keyPath: keyPath] = value
            return true
        }
        self.read = { $0[keyPath: keyPath].optionText }
    }
}

extension TrainingOptions {
    /// Every option, in the order `--help` lists them.
    public static let table: [TrainingOptionSpec] = [
        .init("name", \.name, "experiment name (required)"),
        .init("seed", \.seed, "random seed"),
        .init("work_dir", \.workDir, "set directory for all files and folders"),
        .init("log_dir", \.logDir, "directory for log files (default <work_dir>/logs)"),
        .init("model_dir", \.modelDir, "directory for final model (default <work_dir>)"),
        .init("checkpoints_dir", \.checkpointsDir, "directory for checkpoint files (default <work_dir>/checkpoints)"),
        .init("results_dir", \.resultsDir, "directory for results (default <work_dir>/results)"),
        .init("device", \.device, "select device"),
        .init("default_dtype", \.defaultDtype, "set default dtype"),
        .init("error_table", \.errorTable, "type of error table produced at the end of the training"),
        .init("restart_latest", \.restartLatest, "restart optimizer from latest checkpoint"),
        .init("keep_checkpoints", \.keepCheckpoints, "keep all checkpoints"),
        .init("save_all_checkpoints", \.saveAllCheckpoints, "save all checkpoints"),
        .init("model", \.model, "model type"),
        .init("r_max", \.rMax, "distance cutoff (in Ang)"),
        .init("num_radial_basis", \.numRadialBasis, "number of radial basis functions", aliases: ["num_bessel"]),
        .init("num_cutoff_basis", \.numCutoffBasis, "number of basis functions for smooth cutoff",
              aliases: ["num_polynomial_cutoff"]),
        .init("interaction", \.interaction, "name of interaction block"),
        .init("interaction_first", \.interactionFirst, "name of the first interaction block"),
        .init("max_ell", \.maxEll, "highest ell of spherical harmonics"),
        .init("correlation", \.correlation, "correlation order at each layer"),
        .init("num_interactions", \.numInteractions, "number of interactions"),
        .init("MLP_irreps", \.mlpIrreps, "hidden irreps of the MLP in last readout"),
        .init("radial_MLP", \.radialMLP, "width of the radial MLP"),
        .init("hidden_irreps", \.hiddenIrreps, "irreps for hidden node states"),
        .init("num_channels", \.numChannels, "number of embedding channels"),
        .init("max_L", \.maxL, "max L equivariance of the message"),
        .init("scaling", \.scaling, "type of scaling to the output"),
        .init("avg_num_neighbors", \.avgNumNeighbors, "normalization factor for the message"),
        .init("compute_avg_num_neighbors", \.computeAvgNumNeighbors,
              "compute avg_num_neighbors from the training set instead of using the value given"),
        .init("compute_forces", \.computeForces, "select true to compute forces"),
        .init("compute_stress", \.computeStress, "select true to compute stress"),
        .init("train_file", \.trainFile, "training set file (required)"),
        .init("valid_file", \.validFile, "validation set file"),
        .init("valid_fraction", \.validFraction, "fraction of training set used for validation"),
        .init("test_file", \.testFile, "test set file"),
        .init("test_dir", \.testDir, "directory with test files"),
        .init("E0s", \.e0s, "isolated atom energies: average, a .json file or {Z: E0}; null takes IsolatedAtom configs"),
        .init("energy_key", \.energyKey, "key of reference energies in training xyz"),
        .init("forces_key", \.forcesKey, "key of reference forces in training xyz"),
        .init("stress_key", \.stressKey, "key of reference stress in training xyz"),
        .init("virials_key", \.virialsKey, "key of reference virials in training xyz"),
        .init("config_type_weights", \.configTypeWeights, "weights for each config type"),
        .init("keep_isolated_atoms", \.keepIsolatedAtoms, "keep isolated atoms in the dataset"),
        .init("loss", \.loss, "type of loss"),
        .init("energy_weight", \.energyWeight, "weight of energy loss"),
        .init("forces_weight", \.forcesWeight, "weight of forces loss"),
        .init("stress_weight", \.stressWeight, "weight of stress loss"),
        .init("virials_weight", \.virialsWeight, "weight of virials loss"),
        .init("huber_delta", \.huberDelta, "delta parameter for huber loss"),
        .init("optimizer", \.optimizer, "optimizer for parameter optimization"),
        .init("amsgrad", \.amsgrad, "use amsgrad variant of optimizer"),
        .init("lr", \.lr, "learning rate of optimizer"),
        .init("weight_decay", \.weightDecay, "weight decay (L2 penalty)"),
        .init("beta", \.beta, "beta1 parameter for the optimizer"),
        .init("batch_size", \.batchSize, "batch size"),
        .init("valid_batch_size", \.validBatchSize, "validation batch size"),
        .init("max_num_epochs", \.maxNumEpochs, "maximum number of epochs"),
        .init("patience", \.patience, "maximum number of consecutive epochs of increasing loss"),
        .init("eval_interval", \.evalInterval, "evaluate model every <n> epochs"),
        .init("clip_grad", \.clipGrad, "gradient clipping value (null: no clipping)"),
        .init("scheduler", \.scheduler, "type of scheduler"),
        .init("lr_factor", \.lrFactor, "learning rate factor"),
        .init("scheduler_patience", \.schedulerPatience, "learning rate scheduler patience"),
        .init("lr_scheduler_gamma", \.lrSchedulerGamma, "gamma of learning rate scheduler"),
        .init("ema", \.ema, "use exponential moving average"),
        .init("ema_decay", \.emaDecay, "exponential moving average decay"),
        .init("swa", \.swa, "use stage two loss weights and learning rate at the end of training",
              aliases: ["stage_two"]),
        .init("start_swa", \.startSwa, "epoch stage two starts (default max(1, max_num_epochs // 4 * 3))",
              aliases: ["start_stage_two"]),
        .init("swa_lr", \.swaLR, "learning rate in stage two", aliases: ["stage_two_lr"]),
        .init("swa_energy_weight", \.swaEnergyWeight, "weight of energy loss in stage two",
              aliases: ["stage_two_energy_weight"]),
        .init("swa_forces_weight", \.swaForcesWeight, "weight of forces loss in stage two",
              aliases: ["stage_two_forces_weight"]),
        .init("swa_stress_weight", \.swaStressWeight, "weight of stress loss in stage two",
              aliases: ["stage_two_stress_weight"]),
        .init("swa_virials_weight", \.swaVirialsWeight, "weight of virials loss in stage two",
              aliases: ["stage_two_virials_weight"]),
    ]

    /// The row for a name or alias.
    public static func spec(named name: String) -> TrainingOptionSpec? {
        table.first { $0.name == name || $0.aliases.contains(name) }
    }

    /// The options as a YAML document (every key, in table order), which loads back to the same value.
    public var yamlText: String {
        Self.table.map { "\($0.name): \(yamlQuoted($0.read(self)))" }.joined(separator: "\n") + "\n"
    }

    private func yamlQuoted(_ text: String) -> String {
        let plain = text.allSatisfy { $0.isLetter || $0.isNumber || "._-+/".contains($0) }
        if plain || text.hasPrefix("[") || text.hasPrefix("{") { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}
