import Foundation
import SchemacLoader
import SchemacModel

/// Writes generated files so that a reader sees either the old output or the new,
/// never a mixture: every file is staged next to its destination first, and only
/// when all are staged are they renamed into place.
public enum OutputWriter {
    public struct WriteError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Files that differ from what is on disk (missing ones included), and
    /// files schemac wrote before that it no longer writes.
    public static func staleFiles(_ files: [GeneratedFile], in output: URL) -> [String] {
        changedFiles(files, in: output) + orphans(files, in: output)
    }

    /// Files whose contents differ from what is on disk (missing ones included).
    static func changedFiles(_ files: [GeneratedFile], in output: URL) -> [String] {
        files.filter { file in
            let url = output.appendingPathComponent(file.path)
            guard let data = FileManager.default.contents(atPath: url.path) else { return true }
            return data != Data(file.contents.utf8)
        }.map(\.path)
    }

    /// Files under `output` that carry schemac's header but are not among
    /// `files`: what a dropped table left (a Swift struct of it would still
    /// compile). Files without the header are someone else's and stay.
    public static func orphans(_ files: [GeneratedFile], in output: URL) -> [String] {
        let wanted = Set(files.map(\.path))
        guard let walker = FileManager.default.enumerator(atPath: output.path) else { return [] }
        var out: [String] = []
        while let rel = walker.nextObject() as? String {
            guard !wanted.contains(rel), [".sql", ".swift", ".json", ".md"].contains(where: rel.hasSuffix),
                  let handle = FileHandle(forReadingAtPath: output.appendingPathComponent(rel).path) else { continue }
            let head = String(decoding: handle.readData(ofLength: 200), as: UTF8.self)
            try? handle.close()
            if GeneratedHeader.marks(head) { out.append(rel) }
        }
        return out.sorted()
    }

    /// Writes the files that changed; returns their paths.
    @discardableResult
    public static func write(_ files: [GeneratedFile], to output: URL) throws -> [String] {
        let fm = FileManager.default
        let orphaned = orphans(files, in: output)
        let changed = Set(changedFiles(files, in: output))
        var staged: [(temp: URL, final: URL)] = []
        do {
            for file in files where changed.contains(file.path) {
                let final = output.appendingPathComponent(file.path)
                try fm.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
                let temp = final.deletingLastPathComponent()
                    .appendingPathComponent(".\(final.lastPathComponent).schemac-\(ProcessInfo.processInfo.processIdentifier).tmp")
                do {
                    try Data(file.contents.utf8).write(to: temp)
                } catch {
                    throw WriteError(description: "cannot write \(temp.path): \(DefinitionsLoader.reason(error))")
                }
                staged.append((temp, final))
            }
        } catch {
            for s in staged { try? fm.removeItem(at: s.temp) }
            if let e = error as? WriteError { throw e }
            throw WriteError(description: "cannot write to \(output.path): \(DefinitionsLoader.reason(error))")
        }
        for s in staged {
            // rename(2) replaces the destination atomically.
            if rename(s.temp.path, s.final.path) != 0 {
                let reason = String(cString: strerror(errno))
                for rest in staged { try? fm.removeItem(at: rest.temp) }
                throw WriteError(description: "cannot move \(s.temp.path) into place: \(reason)")
            }
        }
        for rel in orphaned { try? fm.removeItem(at: output.appendingPathComponent(rel)) }
        return (staged.map { $0.final.path } + orphaned.map { output.appendingPathComponent($0).path }).sorted()
    }
}
