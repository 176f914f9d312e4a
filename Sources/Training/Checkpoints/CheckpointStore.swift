// SwiftMACE, MIT licence.
// CheckpointStore: the checkpoint folder, named as mace's CheckpointIO names files (`<tag>_epoch-<n>.pt`, `_swa`
// in stage two; here `.safetensors`), plus a `<tag>_latest.safetensors` overwritten every epoch for exact resume.

import Foundation
import Support

/// Writes and finds checkpoints of one run (`tag` = `<name>_run-<seed>`). Every write is atomic.
public struct CheckpointStore: Sendable {
    public var directory: String
    public var tag: String
    /// mace's `keep_checkpoints`: keep every improved checkpoint instead of only the newest of each stage.
    public var keepAll: Bool

    public init(directory: String, tag: String, keepAll: Bool = false) {
        self.directory = directory
        self.tag = tag
        self.keepAll = keepAll
    }

    public init(options: TrainingOptions) {
        self.init(directory: options.resolvedCheckpointsDir, tag: options.tag, keepAll: options.keepCheckpoints)
    }

    static let fileExtension = "safetensors"

    /// The path of the improved-model checkpoint of an epoch.
    public func path(epoch: Int, stageTwo: Bool) -> String {
        directory + "/" + tag + "_epoch-\(epoch)" + (stageTwo ? "_swa" : "") + "." + Self.fileExtension
    }

    /// The path of the checkpoint rewritten after every epoch.
    public var latestPath: String { directory + "/" + tag + "_latest." + Self.fileExtension }

    /// Saves a checkpoint of an improved model (mace saves when the validation loss improves) and, unless
    /// `keepAll`, removes older improved checkpoints of the same stage, so the best stage-one model survives
    /// stage two as mace's `keep_last` arranges.
    /// - Returns: the path written.
    @discardableResult
    public func saveImproved(_ checkpoint: Checkpoint, stageTwo: Bool) throws -> String {
        let path = path(epoch: checkpoint.epoch, stageTwo: stageTwo)
        try write(checkpoint, to: path)
        if !keepAll {
            for (other, _) in try improvedCheckpoints(stageTwo: stageTwo) where other != path {
                try? FileManager.default.removeItem(atPath: other)
            }
        }
        return path
    }

    /// Overwrites `latestPath` with `checkpoint`.
    public func saveLatest(_ checkpoint: Checkpoint) throws {
        try write(checkpoint, to: latestPath)
    }

    /// The best model so far: the improved checkpoint of the highest epoch (stage two first, as mace loads
    /// its `_swa` checkpoint when stage two ran), or nil when there is none.
    public func bestPath() throws -> String? {
        if let best = try improvedCheckpoints(stageTwo: true).max(by: { $0.epoch < $1.epoch }) { return best.path }
        return try improvedCheckpoints(stageTwo: false).max(by: { $0.epoch < $1.epoch })?.path
    }

    /// Where `restart_latest` resumes from: `latestPath` if present, else the best improved checkpoint.
    public func resumePath() throws -> String? {
        FileManager.default.fileExists(atPath: latestPath) ? latestPath : try bestPath()
    }

    /// Reads the checkpoint at `path`.
    public func load(_ path: String) throws -> Checkpoint {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TrainingError.invalidFile(path: path, reason: "cannot read checkpoint")
        }
        return try Checkpoint(data: data, path: path)
    }

    private func write(_ checkpoint: Checkpoint, to path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.invalidFile(path: directory, reason: "cannot create folder: \(error.localizedDescription)")
        }
        try AtomicFile.write(try checkpoint.serialized(), to: path)
    }

    /// Improved checkpoints of this tag and stage in the folder, parsed from their names.
    func improvedCheckpoints(stageTwo: Bool) throws -> [(path: String, epoch: Int)] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let prefix = tag + "_epoch-"
        let suffix = (stageTwo ? "_swa" : "") + "." + Self.fileExtension
        return names.compactMap { name in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
            let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
            guard !digits.isEmpty, digits.allSatisfy(\.isNumber), let epoch = Int(digits) else { return nil }
            return (directory + "/" + name, epoch)
        }
    }
}
