// SwiftMACE, MIT licence.
// Tests of AtomicFile (temp file + rename) and InputLocation printing.

import Foundation
import Testing

@testable import Support

@Suite struct AtomicFileTests {
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "swiftmace-atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func writeReplacesWholeFileAndLeavesNoTemporary() throws {
        let folder = try temporaryDirectory()
        let path = folder + "/out.txt"
        try AtomicFile.write("first version, long text", to: path)
        try AtomicFile.write("second", to: path)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "second")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["out.txt"])
    }

    @Test func writeIntoMissingFolderThrowsNamedError() throws {
        let path = "/nonexistent-swiftmace-folder/out.txt"
        #expect(throws: FileWriteError.self) { try AtomicFile.write("x", to: path) }
        do {
            try AtomicFile.write("x", to: path)
        } catch let error as FileWriteError {
            #expect(error.description.contains("/nonexistent-swiftmace-folder/out.txt.tmp-"))
            #expect(error.description.contains("No such file or directory"))
        }
    }

    @Test func inputLocationPrintsFileLineAndKey() {
        let location = InputLocation(file: "train.xyz", line: 1043)
        #expect(location.description == "train.xyz:1043")
        #expect(location.key("forces").description == "train.xyz:1043: key 'forces'")
        #expect(InputLocation(file: "a.npz", key: "coords").key("shape").description == "a.npz: key 'coords.shape'")
    }
}
