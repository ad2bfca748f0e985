import Foundation

/// The migrations folder: `NNN_description.sql`, numbered one after the highest.
public enum MigrationFiles {
    /// Writes `sql` as the next numbered file and returns its name.
    public static func writeNext(_ sql: String, in folder: URL, description: String) throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let highest = existing.compactMap { name -> Int? in
            guard name.hasSuffix(".sql"), let underscore = name.firstIndex(of: "_") else { return nil }
            return Int(name[..<underscore])
        }.max() ?? 0
        let slug = description.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
            .reduce(into: "") { out, ch in if !(ch == "_" && out.hasSuffix("_")) { out.append(ch) } }
            .trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        let name = String(format: "%03d", highest + 1) + "_" + (slug.isEmpty ? "migration" : slug) + ".sql"
        try OutputWriter.write([GeneratedFile(path: name, contents: sql)], to: folder)
        return name
    }
}
