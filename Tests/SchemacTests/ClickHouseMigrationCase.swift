import Foundation
import SchemacClickHouse
import SchemacClickHouseDriver
import SchemacCore
import SchemacLoader
import SchemacMigrate
import SchemacModel
import XCTest

/// One folder of Tests/ClickHouseMigrations: `before/` and `after/` hold two
/// definition sets, `expected.sql` the plan between them (or, for changes
/// ClickHouse cannot ALTER, the refusals). On the engine: "before" is built
/// and filled with rows, the plan is compared with expected.sql and run (with
/// destructive statements allowed), then planned again (nothing is left);
/// the catalog must equal a fresh build of "after", every table that stays
/// keeps its rows, and every materialized view still delivers.
struct ClickHouseMigrationCase {
    let name: String
    let directory: URL

    /// Hazard kinds no PostgreSQL statement carries.
    static let clickHouseOnlyHazards: Set<HazardKind> = [.mutation, .rebuild, .ingestGap]

    /// Every hazard names the table (or object) of its statement.
    static func checkHazards(_ plan: MigrationPlan, _ name: String) -> Set<HazardKind> {
        var kinds = Set<HazardKind>()
        for statement in plan.statements {
            let object = statement.target.split(separator: ".").prefix(2).joined(separator: ".")
            for hazard in statement.hazards {
                kinds.insert(hazard.kind)
                XCTAssertTrue(hazard.message.contains(object), "\(name): '\(hazard.message)' does not name \(object)")
            }
        }
        return kinds
    }

    func load(_ side: String) throws -> ClickHouseSchema {
        let result = DefinitionsLoader.load(directory: directory.appendingPathComponent(side), displayPrefix: side)
        guard let schema = result.definitions?.clickhouse, !result.diagnostics.contains(where: { $0.severity == .error }) else {
            throw TestFailure("\(name)/\(side): \(result.diagnostics)")
        }
        return schema
    }

    /// The hazard kinds of the case's plan.
    @discardableResult
    func run(on c: ClickHouseConnection, server: ClickHouseServer) throws -> Set<HazardKind> {
        let before = try load("before"), after = try load("after")
        XCTAssertEqual(before.database, after.database, "\(name): one database on both sides")
        if after.cluster != nil { return try runForCluster(before, after, on: c) }
        try ClickHouseLiveTests.build(before, on: c)
        let rowsBefore = try fill(before, on: c)
        // `options` in the case folder: the flags the plan is made with, one a line (`allow-recreate`).
        let flags = ((try? String(contentsOf: directory.appendingPathComponent("options"), encoding: .utf8)) ?? "").split(separator: "\n")
        let options = ClickHousePlanner.Options(allowRecreate: flags.contains("allow-recreate"), dropBackups: flags.contains("allow-destructive"))
        let planned = try ClickHousePlanner.plan(after, on: c, options: options)
        try compareWithExpected(planned)
        guard planned.unsupported.isEmpty else { return [] }
        let kinds = Self.checkHazards(planned.plan, name)
        try ClickHousePlanning.run(planned.plan, on: c, database: after.database, say: { _ in })
        let again = try ClickHousePlanner.plan(after, on: c, options: options)
        XCTAssertEqual(again.unsupported, [], name)
        XCTAssertEqual(ClickHousePlanText.migration(again.plan), "", "\(name): the second plan is not empty")

        var fresh = after
        fresh.database = after.database + "_fresh"
        try ClickHouseLiveTests.build(fresh, on: c)
        // A rebuild keeps the old table as a backup, with every row it had: the one difference from a fresh build.
        let migrated = try catalog(after.database, on: c)
        let backups = migrated.filter { $0.hasPrefix(ClickHouseMigrationCase.backupPrefix($0)) }
        XCTAssertEqual(migrated.filter { !backups.contains($0) }, try catalog(fresh.database, on: c), "\(name): the catalog differs from a fresh build")
        for backup in backups {
            let table = String(backup.prefix { $0 != ":" })
            let original = String(table.dropLast(ClickHousePlanner.backupSuffix.count))
            let kept = try c.rows("SELECT count() FROM \(ClickHouseSQL.identifier(after.database)).\(ClickHouseSQL.identifier(table))")
            XCTAssertEqual(kept.first?.first, rowsBefore[original].map(String.init), "\(name): rows kept in \(table)")
        }
        XCTAssertEqual(backups.isEmpty, !options.allowRecreate || options.dropBackups, "\(name): backups \(backups)")

        for (table, count) in rowsBefore where after.tables.contains(where: { $0.name == table }) {
            let now = try c.rows("SELECT count() FROM \(ClickHouseSQL.identifier(after.database)).\(ClickHouseSQL.identifier(table))")
            XCTAssertEqual(now.first?.first, String(count), "\(name): rows of \(table)")
        }
        let targets = Set(after.materializedViews.map(\.to))
        let counted = try counts(after, targets, on: c)
        _ = try fill(after, on: c, skipping: targets)
        for (target, count) in try counts(after, targets, on: c) {
            XCTAssertGreaterThan(count, counted[target] ?? 0, "\(name): no rows reached \(target) through its view after the migration")
        }
        try c.execute("DROP DATABASE IF EXISTS \(ClickHouseSQL.identifier(fresh.database)) SYNC")
        return kinds
    }

    /// A run killed after each statement in turn, then planned and run
    /// again: it must end where an unbroken run ends (the catalog of a fresh
    /// build, a rebuild's leftover aside; every skip index and projection
    /// built for the rows already there; no row lost).
    func runCutAfterEveryStatement(on c: ClickHouseConnection) throws {
        let before = try load("before"), after = try load("after")
        guard after.cluster == nil else { return }
        let flags = ((try? String(contentsOf: directory.appendingPathComponent("options"), encoding: .utf8)) ?? "").split(separator: "\n")
        let options = ClickHousePlanner.Options(allowRecreate: flags.contains("allow-recreate"), dropBackups: flags.contains("allow-destructive"))
        try ClickHouseLiveTests.build(before, on: c)
        let count = try ClickHousePlanner.plan(after, on: c, options: options).plan.statements.count
        guard count > 1 else { return }
        var fresh = after
        fresh.database = after.database + "_fresh"
        try ClickHouseLiveTests.build(fresh, on: c)
        let expected = try catalog(fresh.database, on: c)
        // CI cuts after the first statement, one in the middle and the last but one; SCHEMAC_CH_CUTS=all cuts after each.
        let cuts = ProcessInfo.processInfo.environment["SCHEMAC_CH_CUTS"] == "all" ? Array(1..<count) : Array(Set([1, count / 2, count - 1])).sorted()
        for cut in cuts where cut >= 1 && cut < count {
            try ClickHouseLiveTests.build(before, on: c)
            let rows = try fill(before, on: c)
            var first = try ClickHousePlanner.plan(after, on: c, options: options).plan
            first.sections = [MigrationPlan.Section(title: "cut", statements: Array(first.statements.prefix(cut)))]
            try ClickHousePlanning.run(first, on: c, database: after.database, say: { _ in })
            let rest = try ClickHousePlanner.plan(after, on: c, options: options)
            XCTAssertEqual(rest.unsupported, [], "\(name), cut after \(cut)")
            try ClickHousePlanning.run(rest.plan, on: c, database: after.database, say: { _ in })
            let last = try ClickHousePlanner.plan(after, on: c, options: options)
            XCTAssertEqual(ClickHousePlanText.migration(last.plan), "", "\(name), cut after \(cut): not in sync")
            let leftovers = [ClickHousePlanner.backupSuffix, ClickHousePlanner.rebuildSuffix]
            XCTAssertEqual(try catalog(after.database, on: c).filter { line in !leftovers.contains { line.prefix { $0 != ":" }.hasSuffix($0) } },
                           expected, "\(name), cut after \(cut): the catalog differs from a fresh build")
            let live = try ClickHouseInspector.inspect(database: after.database, on: c)
            for (table, state) in live.tables {
                XCTAssertEqual(state.unbuiltIndexes.union(state.unbuiltProjections), [], "\(name), cut after \(cut): \(table) not built")
            }
            for (table, n) in rows where after.tables.contains(where: { $0.name == table }) {
                let now = try c.rows("SELECT count() FROM \(ClickHouseSQL.identifier(after.database)).\(ClickHouseSQL.identifier(table))")
                XCTAssertEqual(now.first?.first, String(n), "\(name), cut after \(cut): rows of \(table)")
            }
        }
        try c.execute("DROP DATABASE IF EXISTS \(ClickHouseSQL.identifier(fresh.database)) SYNC")
    }

    /// chdb has no cluster: "before" is built on the one server (no ON
    /// CLUSTER, no Replicated engines), its Distributed tables stand in the
    /// inspected state as the server would show them, and the plan for the
    /// cluster is compared with expected.sql and read by the engine's parser.
    func runForCluster(_ before: ClickHouseSchema, _ after: ClickHouseSchema, on c: ClickHouseConnection) throws -> Set<HazardKind> {
        try ClickHouseLiveTests.build(before.withoutCluster, on: c)
        var live = try ClickHouseInspector.inspect(database: after.database, on: c)
        for t in before.tables {
            guard let create = ClickHouseRenderer.createDistributed(t, schema: before) else { continue }
            let shown = try c.rows("SELECT formatQuerySingleLine(\(ClickHouseSQL.literal(create)))")[0][0]
            live.distributed[ClickHouseRenderer.distributedName(t)] = shown
        }
        let planned = try ClickHousePlanner.plan(after, live: live, on: c)
        try compareWithExpected(planned)
        for statement in planned.plan.statements {
            XCTAssertNoThrow(try c.rows("SELECT formatQuery(\(ClickHouseSQL.literal(statement.sql)))"), "\(name): \(statement.sql)")
            XCTAssertTrue(statement.sql.contains(" ON CLUSTER "), "\(name): not on the cluster: \(statement.sql)")
        }
        return Self.checkHazards(planned.plan, name)
    }

    /// The plan (or its refusals) against expected.sql, byte for byte; written instead in record mode.
    func compareWithExpected(_ planned: ClickHousePlanner.Result) throws {
        let text = planned.unsupported.isEmpty ? ClickHousePlanText.migration(planned.plan)
            : planned.unsupported.map { "-- cannot migrate: \($0)\n" }.joined()
        let expectedFile = directory.appendingPathComponent("expected.sql")
        if ReferenceCase.recording {
            try Data(text.utf8).write(to: expectedFile)
        } else {
            XCTAssertEqual(text, (try? String(contentsOf: expectedFile, encoding: .utf8)) ?? "<missing expected.sql>",
                           "\(name): the plan differs from expected.sql")
        }
    }

    /// Inserts rows into every table (but `skipping`), times now so that no
    /// TTL expires them; the count of each table after.
    @discardableResult
    func fill(_ schema: ClickHouseSchema, on c: ClickHouseConnection, skipping: Set<String> = []) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for t in schema.tables where !skipping.contains(t.name) {
            let stored = t.columns.filter { $0.defaultKind != .alias && $0.defaultKind != .materialized }
            let structure = stored.map { "\(ClickHouseSQL.identifier($0.name)) \($0.type.sql)" }.joined(separator: ", ")
            let values = stored.map { column -> String in
                Self.holdsDates(column.type) ? "CAST(now() AS \(column.type.sql))" : ClickHouseSQL.identifier(column.name)
            }
            let table = "\(ClickHouseSQL.identifier(schema.database)).\(ClickHouseSQL.identifier(t.name))"
            try c.execute("INSERT INTO \(table) (\(stored.map { ClickHouseSQL.identifier($0.name) }.joined(separator: ", "))) "
                          + "SELECT \(values.joined(separator: ", ")) FROM generateRandom(\(ClickHouseSQL.literal(structure)), 7, 8, 2) LIMIT 25")
            counts[t.name] = Int(try c.rows("SELECT count() FROM \(table)").first?.first ?? "") ?? -1
        }
        return counts
    }

    /// Dates from `generateRandom` span centuries, past any TTL or partition
    /// limit a case declares; such columns are filled with now instead.
    static func holdsDates(_ type: ClickHouseType) -> Bool {
        switch type {
        case .dateTime, .dateTime64: true
        case .plain(let name): name.hasPrefix("Date")  // Date, Date32, and DateTime as a plain name
        case .nullable(let inner), .lowCardinality(let inner): holdsDates(inner)
        default: false
        }
    }

    func counts(_ schema: ClickHouseSchema, _ tables: Set<String>, on c: ClickHouseConnection) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for t in tables {
            out[t] = Int(try c.rows("SELECT count() FROM \(ClickHouseSQL.identifier(schema.database)).\(ClickHouseSQL.identifier(t))").first?.first ?? "")
        }
        return out
    }

    /// `name_schemac_old: …` for a backup a rebuild kept, else a prefix no line has.
    static func backupPrefix(_ line: String) -> String {
        let name = line.prefix { $0 != ":" }
        return name.hasSuffix(ClickHousePlanner.backupSuffix) ? String(name) + ":" : "\u{0}"
    }

    /// Each object of a database as the engine describes it, the database's own name left out.
    func catalog(_ database: String, on c: ClickHouseConnection) throws -> [String] {
        let rows = try c.rows("SELECT name, create_table_query FROM system.tables WHERE database = \(ClickHouseSQL.literal(database)) ORDER BY name")
        return rows.map { row in
            // Settings have no order: an ALTER adds one after those the server wrote, a fresh build before them.
            var create = row[1]
            if let text = ClickHouseTableText(createQuery: create), text.settings.count > 1 {
                let written = text.settings.map { "\($0.name) = \($0.value)" }
                create = create.replacing(written.joined(separator: ", "), with: written.sorted().joined(separator: ", "))
            }
            return (row[0] + ": " + create).replacing(ClickHouseSQL.identifier(database) + ".", with: "").replacing("'" + database + "'", with: "'DB'")
        }
    }
}
