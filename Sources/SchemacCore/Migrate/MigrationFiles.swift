import Foundation
import SchemacDiagnostics
import SchemacLoader
import SchemacMigrate
import SchemacPostgres

/// The migrations folder: `NNN_description.sql`, numbered one after the highest.
public enum MigrationFiles {
    /// Writes `sql` as the next numbered file and returns its name, and
    /// whether it is new: when the newest migration already says exactly
    /// this (a second `--write` before the first was applied), nothing is
    /// written and its name is returned.
    public static func writeNext(_ sql: String, in folder: URL, description: String) throws -> (name: String, written: Bool) {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputWriter.WriteError(description: "cannot make the migrations folder \(folder.path): \(DefinitionsLoader.reason(error))")
        }
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let numbered = existing.compactMap { name -> (Int, String)? in
            guard name.hasSuffix(".sql"), let underscore = name.firstIndex(of: "_"), let n = Int(name[..<underscore]) else { return nil }
            return (n, name)
        }
        let highest = numbered.map(\.0).max() ?? 0
        if let newest = numbered.filter({ $0.0 == highest }).map(\.1).sorted().last,
           FileManager.default.contents(atPath: folder.appendingPathComponent(newest).path) == Data(sql.utf8) {
            return (newest, false)
        }
        let slug = description.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }
            .reduce(into: "") { out, ch in if !(ch == "_" && out.hasSuffix("_")) { out.append(ch) } }
            .trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        let name = String(format: "%03d", highest + 1) + "_" + (slug.isEmpty ? "migration" : slug) + ".sql"
        try OutputWriter.write([GeneratedFile(path: name, contents: sql)], to: folder)
        return (name, true)
    }
}

extension MigrationFiles {
    /// `diff --write`: the plan as the next file of the project's migrations
    /// folder, named `postgres.migrations/NNN_description.sql` as the project
    /// shows it, with `NNN_description.down.sql` beside it when there is a
    /// way back; `written` is false when the newest file already holds it.
    /// The integrity file is written again for the folder as it then is.
    public static func save(_ plans: PostgresPlanning.Plans, project paths: ProjectPaths,
                            description: String) -> Result<(paths: [String], written: Bool), DiagnosticFailure> {
        let folder = paths.root.appendingPathComponent(paths.config.migrations)
        do {
            let file = try writeNext(PostgresRenderer.migration(plans.up), in: folder, description: description)
            var written = ["\(paths.config.migrations)/\(file.name)"]
            guard file.written else { return .success((written, false)) }
            if let down = plans.down {
                let name = String(file.name.dropLast(".sql".count)) + ".down.sql"
                _ = try OutputWriter.write([GeneratedFile(path: name, contents: downFile(down, of: file.name))], to: folder)
                written.append("\(paths.config.migrations)/\(name)")
            }
            if case .success(let read) = MigrationFolder.read(folder, display: paths.config.migrations) { try IntegrityFile.write(read) }
            return .success((written, true))
        } catch {
            return .failure([.writeFailed(String(describing: error))])
        }
    }

    /// The way back from migration `name`: its own hazards, and a header that
    /// says when it loses data, which `migrate down` then refuses without
    /// --allow-destructive.
    static func downFile(_ plan: MigrationPlan, of name: String) -> String {
        var out = "-- Down migration of \(name): back to the definitions before it.\n"
        let losing = plan.statements.filter(\.isDestructive)
        if !losing.isEmpty {
            out += "\(MigrationSteps.destructiveMarker): it loses data, and `schemac migrate down` refuses it without --allow-destructive:\n"
            for s in losing { out += "--   \(s.hazards.first { $0.kind == .dataLoss }?.message ?? s.target)\n" }
        }
        if plan.isEmpty { return out + "-- Nothing to undo.\n" }
        return out + PostgresRenderer.migration(plan)
    }
}
