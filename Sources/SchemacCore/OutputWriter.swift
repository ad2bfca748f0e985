import Foundation

/// Writes generated files so that a reader sees either the old output or the new,
/// never a mixture: every file is staged next to its destination first, and only
/// when all are staged are they renamed into place.
public enum OutputWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Files that differ from what is on disk (missing ones included).
    public static func staleFiles(_ files: [GeneratedFile], in output: URL) -> [String] {
        files.filter { file in
            let url = output.appendingPathComponent(file.path)
            guard let data = FileManager.default.contents(atPath: url.path) else { return true }
            return data != Data(file.contents.utf8)
        }.map(\.path)
    }

    /// Writes the files that changed; returns their paths.
    @discardableResult
    public static func write(_ files: [GeneratedFile], to output: URL) throws -> [String] {
        let fm = FileManager.default
        let changed = Set(staleFiles(files, in: output))
        var staged: [(temp: URL, final: URL)] = []
        do {
            for file in files where changed.contains(file.path) {
                let final = output.appendingPathComponent(file.path)
                try fm.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
                let temp = final.deletingLastPathComponent()
                    .appendingPathComponent(".\(final.lastPathComponent).schemac-\(ProcessInfo.processInfo.processIdentifier).tmp")
                guard fm.createFile(atPath: temp.path, contents: Data(file.contents.utf8)) else {
                    throw WriteError(description: "cannot write \(temp.path)")
                }
                staged.append((temp, final))
            }
        } catch {
            for s in staged { try? fm.removeItem(at: s.temp) }
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write to \(output.path): \(error.localizedDescription)")
        }
        for s in staged {
            // rename(2) replaces the destination atomically.
            if rename(s.temp.path, s.final.path) != 0 {
                let reason = String(cString: strerror(errno))
                for rest in staged { try? fm.removeItem(at: rest.temp) }
                throw WriteError(description: "cannot move \(s.temp.path) into place: \(reason)")
            }
        }
        return staged.map { $0.final.path }.sorted()
    }
}
