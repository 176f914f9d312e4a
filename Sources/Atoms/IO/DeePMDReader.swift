// SwiftMACE, MIT licence.
// DeePMDReader: DeePMD-kit "npy" systems (type.raw, type_map.raw, set.*/coord.npy, box.npy, energy.npy,
// force.npy, virial.npy) as configurations; a folder of several systems is read system by system.

import Foundation
import Support

/// Reads DeePMD-kit training data in the npy layout.
public enum DeePMDReader {
    /// How deep below the given folder systems are searched for.
    static let maximumSearchDepth = 8

    /// Reads a DeePMD system folder, or every system folder (one holding `type.raw`) below `folder`, in sorted
    /// path order.
    ///
    /// A system holds `type.raw` (a type index per atom), `type_map.raw` (element symbols by type index;
    /// required here, since the element of each atom must be known) and `set.*` folders, read in name order,
    /// each with `coord.npy` `[frames, 3 * numAtoms]` in Å (kept unwrapped, as stored), `box.npy` `[frames, 9]`
    /// (cell rows, Å; not needed when a `nopbc` file marks the system as non-periodic) and optionally
    /// `energy.npy` `[frames]` (eV), `force.npy` `[frames, 3 * numAtoms]` (eV/Å) and `virial.npy`
    /// `[frames, 9]` (eV). With mace's default `keys` the labels come from `energy`, `force` and `virial`;
    /// an explicitly chosen key names the file (`keys.energy = "energy_dft"` reads `energy_dft.npy` in every
    /// set, which must exist). float32 data is widened to `Double` exactly. Periodic in all directions with a
    /// box, not periodic (and without a cell) under `nopbc`.
    /// - Throws: `AtomsError` naming the file (and line) for a missing file, an unknown element, a type index
    ///   without a name, or frame and atom counts that disagree.
    public static func read(contentsOf folder: URL, keys: PropertyKeys = PropertyKeys()) throws -> [Configuration] {
        let systems = try systemFolders(in: folder, depth: 0)
        guard !systems.isEmpty else {
            throw AtomsError.missingKey(
                InputLocation(file: folder.relativePath), key: "type.raw",
                expected: "a DeePMD system folder (type.raw, type_map.raw, set.*/) or a folder of such systems")
        }
        let labels = LabelFiles(keys: keys)
        var configurations: [Configuration] = []
        for system in systems { configurations += try readSystem(system, labels) }
        return configurations
    }

    /// The npy file names (without `.npy`) of the labels, and whether each may be absent.
    struct LabelFiles {
        var energy: (name: String, optional: Bool)
        var forces: (name: String, optional: Bool)
        var virials: (name: String, optional: Bool)

        init(keys: PropertyKeys) {
            energy = keys.energy == PropertyKeys.defaultEnergy ? ("energy", true) : (keys.energy, false)
            forces = keys.forces == PropertyKeys.defaultForces ? ("force", true) : (keys.forces, false)
            virials = keys.virials == PropertyKeys.defaultVirials ? ("virial", true) : (keys.virials, false)
        }
    }

    private static func systemFolders(in folder: URL, depth: Int) throws -> [URL] {
        if exists(folder.appendingPathComponent("type.raw")) { return [folder] }
        guard depth < maximumSearchDepth else { return [] }
        var systems: [URL] = []
        for name in try sortedEntries(of: folder) where isDirectory(folder.appendingPathComponent(name)) {
            systems += try systemFolders(in: folder.appendingPathComponent(name), depth: depth + 1)
        }
        return systems
    }

    private static func readSystem(_ system: URL, _ labels: LabelFiles) throws -> [Configuration] {
        let numbers = try atomicNumbers(of: system)
        let atomCount = numbers.count
        let periodic = !exists(system.appendingPathComponent("nopbc"))
        let sets = try sortedEntries(of: system).filter {
            $0.hasPrefix("set.") && isDirectory(system.appendingPathComponent($0))
        }
        guard !sets.isEmpty else {
            throw AtomsError.missingKey(
                InputLocation(file: system.relativePath), key: "set.*",
                expected: "at least one set.* folder with coord.npy")
        }
        var configurations: [Configuration] = []
        for name in sets {
            let set = SetFolder(url: system.appendingPathComponent(name), atomCount: atomCount)
            let positions = try set.required("coord", width: 3 * atomCount)
            let frameCount = positions.count / max(1, 3 * atomCount)
            let cells = periodic ? try set.required("box", width: 9, frames: frameCount) : nil
            let energies = try set.label(labels.energy, width: 1, frames: frameCount)
            let forces = try set.label(labels.forces, width: 3 * atomCount, frames: frameCount)
            let virials = try set.label(labels.virials, width: 9, frames: frameCount)
            for frame in 0..<frameCount {
                let start = frame * 3 * atomCount
                var configuration = Configuration(
                    atomicNumbers: numbers, positions: positions.vectors3(from: start, count: atomCount))
                if let cells {
                    configuration.cell = Matrix3(rowMajor: Array(cells[9 * frame..<9 * frame + 9]))
                    configuration.pbc = .all
                }
                configuration.energy = energies?[frame]
                configuration.forces = forces?.vectors3(from: start, count: atomCount)
                configuration.virials = virials.map { Matrix3(rowMajor: Array($0[9 * frame..<9 * frame + 9])) }
                configurations.append(configuration)
            }
        }
        return configurations
    }

    /// The atomic number of every atom, from `type.raw` and `type_map.raw`.
    private static func atomicNumbers(of system: URL) throws -> [Int] {
        let mapURL = system.appendingPathComponent("type_map.raw")
        guard exists(mapURL) else {
            throw AtomsError.missingKey(
                InputLocation(file: system.relativePath), key: "type_map.raw",
                expected: "element symbols by type index (SwiftMACE needs type_map.raw to name the elements)")
        }
        var elements: [Int] = []
        for (line, symbol) in try tokens(of: mapURL) {
            guard let number = Element.atomicNumber(of: symbol) else {
                throw AtomsError.unknownElement(InputLocation(file: mapURL.relativePath, line: line), found: symbol)
            }
            elements.append(number)
        }
        let typeURL = system.appendingPathComponent("type.raw")
        var numbers: [Int] = []
        for (line, token) in try tokens(of: typeURL) {
            guard let type = Int(token), elements.indices.contains(type) else {
                throw AtomsError.malformed(
                    InputLocation(file: typeURL.relativePath, line: line), found: token,
                    expected: "a type index from 0 to \(elements.count - 1) (the names in type_map.raw)")
            }
            numbers.append(elements[type])
        }
        guard !numbers.isEmpty else {
            throw AtomsError.empty(InputLocation(file: typeURL.relativePath), expected: "a type index per atom")
        }
        return numbers
    }

    /// The whitespace-separated words of a text file with their 1-based line numbers.
    private static func tokens(of url: URL) throws -> [(line: Int, token: String)] {
        let location = InputLocation(file: url.relativePath)
        let text = String(decoding: try NPYParser.readBytes(of: url, at: location), as: UTF8.self)
        var result: [(Int, String)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            for word in line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }) {
                result.append((index + 1, String(word)))
            }
        }
        return result
    }

    private static func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    private static func isDirectory(_ url: URL) -> Bool {
        var directory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &directory) && directory.boolValue
    }

    private static func sortedEntries(of folder: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        } catch {
            throw AtomsError.cannotRead(InputLocation(file: folder.relativePath), reason: "not a readable folder")
        }
    }

    /// One `set.*` folder: its npy arrays, checked to hold `width` values per frame.
    private struct SetFolder {
        let url: URL
        let atomCount: Int

        /// A required array; with `frames` given it must have that many frames.
        func required(_ name: String, width: Int, frames: Int? = nil) throws -> [Double] {
            let fileURL = url.appendingPathComponent("\(name).npy")
            guard exists(fileURL) else {
                throw AtomsError.missingKey(
                    InputLocation(file: url.relativePath), key: "\(name).npy",
                    expected: name == "box"
                        ? "a box per frame (or a 'nopbc' file in the system folder)"
                        : "an array of \(width) values per frame")
            }
            return try values(fileURL, width: width, frames: frames)
        }

        /// A label array, or `nil` when an optional one is absent.
        func label(_ file: (name: String, optional: Bool), width: Int, frames: Int) throws -> [Double]? {
            let fileURL = url.appendingPathComponent("\(file.name).npy")
            if file.optional && !exists(fileURL) { return nil }
            return try required(file.name, width: width, frames: frames)
        }

        private func values(_ fileURL: URL, width: Int, frames: Int?) throws -> [Double] {
            let location = InputLocation(file: fileURL.relativePath)
            let array = try NPYParser.array(contentsOf: fileURL)
            let frameCount = array.shape.first ?? 1
            // The dimensions after the first are multiplied with an overflow check: a shape like (0, 2^40, 2^40)
            // holds no data yet its trailing product does not fit in an Int.
            let widthFound = array.shape.dropFirst().reduce(1) { product, dimension in
                let (next, overflow) = product.multipliedReportingOverflow(by: dimension)
                return overflow ? -1 : next
            }
            let framesOK = frames.map { $0 == frameCount } ?? true
            guard array.shape.count >= 1, widthFound == width, framesOK else {
                let frameText = frames.map(String.init) ?? "frames"
                throw AtomsError.shapeMismatch(
                    location, found: "shape \(array.shapeDescription)",
                    expected: "(\(frameText), \(width)): \(width) values per frame for \(atomCount) atoms"
                        + (frames == nil ? "" : " and \(frameText) frames as coord.npy"))
            }
            return try array.finiteReals(at: location)
        }
    }
}
