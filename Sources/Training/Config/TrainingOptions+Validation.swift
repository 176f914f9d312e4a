// SwiftMACE, MIT licence.
// Validation of TrainingOptions before any work: required keys, value ranges, irreps strings, consistency
// (mace's `check_args` and the asserts of run_train). Each error names the source and the key.

import Equivariance
import Support

extension TrainingOptions {
    /// Checks every option; `origins` maps option names to where they were set (file or "command line").
    /// - Throws: the first `TrainingError` found, in table order.
    func validate(origins: [String: String], requiredSource: String) throws {
        func location(_ key: String) -> InputLocation { InputLocation(file: origins[key] ?? "defaults", key: key) }
        func require(_ ok: Bool, _ key: String, _ found: String, _ expected: String) throws {
            if !ok { throw TrainingError.invalidValue(location(key), found: found, expected: expected) }
        }
        func positive(_ value: Double, _ key: String) throws {
            try require(value > 0, key, value.optionText, "a positive number")
        }
        func nonNegative(_ value: Double, _ key: String) throws {
            try require(value >= 0, key, value.optionText, "a number >= 0")
        }
        func atLeast(_ minimum: Int, _ value: Int, _ key: String) throws {
            try require(value >= minimum, key, "\(value)", "an integer >= \(minimum)")
        }

        guard name != nil else { throw TrainingError.missingKey(source: requiredSource, key: "name") }
        guard trainFile != nil else { throw TrainingError.missingKey(source: requiredSource, key: "train_file") }

        try positive(rMax, "r_max")
        try atLeast(1, numRadialBasis, "num_radial_basis")
        try atLeast(1, numCutoffBasis, "num_cutoff_basis")
        try atLeast(0, maxEll, "max_ell")
        try atLeast(1, correlation, "correlation")
        try atLeast(1, numInteractions, "num_interactions")
        try validateIrreps(mlpIrreps, location("MLP_irreps"))
        try require(!radialMLP.isEmpty && radialMLP.allSatisfy { $0 >= 1 }, "radial_MLP", radialMLP.optionText,
                    "a non-empty list of positive integers")
        if let hiddenIrreps {
            let irreps = try validateIrreps(hiddenIrreps, location("hidden_irreps"))
            try require(Set(irreps.entries.map(\.mul)).count == 1, "hidden_irreps", hiddenIrreps,
                        "irreps whose multiplicities are all equal (or use num_channels and max_L)")
        }
        if let numChannels { try atLeast(1, numChannels, "num_channels") }
        if let maxL { try atLeast(0, maxL, "max_L") }
        try positive(avgNumNeighbors, "avg_num_neighbors")

        try require(validFraction > 0 && validFraction < 1, "valid_fraction", validFraction.optionText,
                    "a number between 0 and 1 (exclusive)")
        for (type, weight) in configTypeWeights where !(weight >= 0) {
            try require(false, "config_type_weights", "\(type): \(weight)", "weights >= 0")
        }
        try nonNegative(energyWeight, "energy_weight")
        try nonNegative(forcesWeight, "forces_weight")
        try nonNegative(stressWeight, "stress_weight")
        try nonNegative(virialsWeight, "virials_weight")
        try positive(huberDelta, "huber_delta")

        try positive(lr, "lr")
        try nonNegative(weightDecay, "weight_decay")
        try require(beta >= 0 && beta < 1, "beta", beta.optionText, "a number in [0, 1)")
        try atLeast(1, batchSize, "batch_size")
        try atLeast(1, validBatchSize, "valid_batch_size")
        try atLeast(1, maxNumEpochs, "max_num_epochs")
        try atLeast(1, patience, "patience")
        try atLeast(1, evalInterval, "eval_interval")
        if let clipGrad { try positive(clipGrad, "clip_grad") }
        try require(lrFactor > 0 && lrFactor < 1, "lr_factor", lrFactor.optionText, "a number between 0 and 1 (exclusive)")
        try atLeast(0, schedulerPatience, "scheduler_patience")
        try require(lrSchedulerGamma > 0 && lrSchedulerGamma <= 1, "lr_scheduler_gamma", lrSchedulerGamma.optionText,
                    "a number in (0, 1]")
        try require(emaDecay >= 0 && emaDecay < 1, "ema_decay", emaDecay.optionText, "a number in [0, 1)")

        if let startSwa { try atLeast(0, startSwa, "start_swa") }
        try positive(swaLR, "swa_lr")
        try nonNegative(swaEnergyWeight, "swa_energy_weight")
        try nonNegative(swaForcesWeight, "swa_forces_weight")
        try nonNegative(swaStressWeight, "swa_stress_weight")
        try nonNegative(swaVirialsWeight, "swa_virials_weight")
        if stageTwoEnabled && loss == .forcesOnly {
            // mace get_swa: "Can not select Stage Two with forces only loss."
            try require(false, "loss", loss.rawValue, "a loss with an energy term when stage two (swa) is on")
        }
    }

    @discardableResult
    private func validateIrreps(_ text: String, _ location: InputLocation) throws -> Irreps {
        do {
            return try Irreps(parsing: text)
        } catch {
            throw TrainingError.invalidValue(location, found: text, expected: "irreps such as '128x0e + 128x1o'")
        }
    }

    /// The hidden irreps the model gets, as mace's `check_args` derives them from `hidden_irreps`,
    /// `num_channels` and `max_L`: both of the latter given win; neither given means "128x0e + 128x1o";
    /// one missing defaults to 128 channels or max_L = 1.
    public var resolvedHiddenIrreps: String {
        if numChannels == nil && maxL == nil, let hiddenIrreps { return hiddenIrreps }
        let channels = numChannels ?? 128
        let lmax = maxL ?? 1
        return (0...max(0, lmax)).map { "\(channels)x\($0)\($0 % 2 == 0 ? "e" : "o")" }.joined(separator: " + ")
    }
}
