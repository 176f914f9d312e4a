// SwiftMACE, MIT licence.
// ResultsLog: the JSON-lines results file (mace's MetricsLogger writes `<results_dir>/<tag>_train.txt`), one
// record per line, appended and flushed to disk at each call so a crash loses at most the current epoch.

import Foundation

/// A value in a results record.
public enum ResultValue: Sendable, Equatable {
    case number(Double)
    case integer(Int)
    case text(String)
    case null

    var json: String {
        switch self {
        case .number(let value): value.isFinite ? "\(value)" : "null"
        case .integer(let value): "\(value)"
        case .text(let value): Self.quoted(value)
        case .null: "null"
        }
    }

    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 { result += String(format: "\\u%04x", scalar.value) } else { result.unicodeScalars.append(scalar) }
            }
        }
        return result + "\""
    }
}

/// Appends records to a JSON-lines file.
public struct ResultsLog: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// mace's file for a run: `<results_dir>/<tag>_train.txt`.
    public init(options: TrainingOptions) {
        self.init(path: options.resolvedResultsDir + "/" + options.tag + "_train.txt")
    }

    /// One record as a JSON object line, keys in the order given.
    public static func line(_ record: [(String, ResultValue)]) -> String {
        "{" + record.map { ResultValue.quoted($0.0) + ": " + $0.1.json }.joined(separator: ", ") + "}"
    }

    /// Appends `record` as one line and syncs the file.
    /// - Throws: `TrainingError.invalidFile` when the file or its folder cannot be written.
    public func append(_ record: [(String, ResultValue)]) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw TrainingError.invalidFile(path: path, reason: "cannot create results log")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else {
            throw TrainingError.invalidFile(path: path, reason: "cannot open results log for appending")
        }
        defer { try? handle.close() }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((Self.line(record) + "\n").utf8))
            try handle.synchronize()
        } catch {
            throw TrainingError.invalidFile(path: path, reason: "cannot write results log: \(error.localizedDescription)")
        }
    }
}

extension EvaluationMetrics {
    /// The metrics as a results record, with mace's key names (`mae_e`, `rmse_f`, ...); absent values are null.
    public func record(mode: String, epoch: Int?) -> [(String, ResultValue)] {
        func value(_ x: Double?) -> ResultValue { x.map(ResultValue.number) ?? .null }
        return [
            ("mode", .text(mode)), ("epoch", epoch.map(ResultValue.integer) ?? .null), ("loss", .number(loss)),
            ("mae_e", value(maeE)), ("mae_e_per_atom", value(maeEPerAtom)), ("rmse_e", value(rmseE)),
            ("rmse_e_per_atom", value(rmseEPerAtom)), ("mae_f", value(maeF)), ("rel_mae_f", value(relMaeF)),
            ("rmse_f", value(rmseF)), ("rel_rmse_f", value(relRmseF)), ("mae_stress", value(maeStress)),
            ("rmse_stress", value(rmseStress)), ("mae_virials", value(maeVirials)), ("rmse_virials", value(rmseVirials)),
            ("rmse_virials_per_atom", value(rmseVirialsPerAtom)),
        ]
    }
}
