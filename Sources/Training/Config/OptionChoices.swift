// SwiftMACE, MIT licence.
// The named choices of training options, spelled as mace-torch's arg_parser spells them.

/// `--model`: the model class (MACE.md §0.2).
public enum ModelKind: String, OptionChoice { case mace = "MACE", scaleShiftMACE = "ScaleShiftMACE" }

/// `--interaction` / `--interaction_first`: the interaction block class (MACE.md §6.3, §6.4).
public enum InteractionKind: String, OptionChoice {
    case residual = "RealAgnosticResidualInteractionBlock"
    case plain = "RealAgnosticInteractionBlock"
}

/// `--scaling`: how ScaleShiftMACE's scale and shift are computed from the training set.
public enum ScalingKind: String, OptionChoice {
    case std = "std_scaling", rmsForces = "rms_forces_scaling", none = "no_scaling"
}

/// `--loss` (mace `scripts_utils.get_loss_fn`; `ef` falls through to energy and forces weights 1 there).
public enum LossKind: String, OptionChoice, Codable {
    case weighted, ef, forcesOnly = "forces_only", stress, virials, huber
}

/// `--optimizer`.
public enum OptimizerKind: String, OptionChoice { case adam, adamw }

/// `--scheduler`.
public enum SchedulerKind: String, OptionChoice { case reduceLROnPlateau = "ReduceLROnPlateau", exponentialLR = "ExponentialLR" }

/// `--error_table`: the layout of the final error table (mace `tables_utils.create_error_table`).
public enum ErrorTableKind: String, OptionChoice {
    case totalRMSE = "TotalRMSE", perAtomRMSE = "PerAtomRMSE", totalMAE = "TotalMAE", perAtomMAE = "PerAtomMAE"
    case perAtomRMSEStressVirials = "PerAtomRMSEstressvirials", perAtomMAEStressVirials = "PerAtomMAEstressvirials"
}

/// `--default_dtype`.
public enum DTypeChoice: String, OptionChoice { case float32, float64 }

/// `--device`.
public enum DeviceChoice: String, OptionChoice { case cpu, cuda }
