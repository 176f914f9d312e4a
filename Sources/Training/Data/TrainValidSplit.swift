// SwiftMACE, MIT licence.
// The random train/validation split of mace's `data/utils.random_train_valid_split`: shuffle 0..<n with
// np.random.default_rng(seed) and cut; the same seed gives the same split as mace-torch.

/// Indices of a training set split into training and validation parts.
public struct TrainValidSplit: Sendable, Equatable {
    public var train: [Int]
    public var valid: [Int]

    /// mace's split of `count` items: train size = min(n − int(fraction·n), n − 1), so at least one item validates.
    /// - Throws: `TrainingError.invalidData` when fewer than 2 items or the fraction is outside (0, 1).
    public init(count: Int, validFraction: Double, seed: Int) throws {
        guard validFraction > 0, validFraction < 1 else {
            throw TrainingError.invalidData("valid_fraction must be between 0 and 1 (exclusive); found \(validFraction)")
        }
        guard count > 1 else {
            throw TrainingError.invalidData("cannot split \(count) configuration(s) into training and validation sets; need at least 2")
        }
        guard seed >= 0 else { throw TrainingError.invalidData("seed must be >= 0 to split as numpy does; found \(seed)") }
        let trainSize = min(count - Int(validFraction * Double(count)), count - 1)
        var indices = Array(0..<count)
        var generator = PCG64(seed: UInt64(seed))
        generator.shuffle(&indices)
        train = Array(indices[..<trainSize])
        valid = Array(indices[trainSize...])
    }
}
