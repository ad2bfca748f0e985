import Foundation
import SchemacLoader
import SchemacMigrate
import SchemacModel
@testable import SchemacPostgres
import XCTest

/// The plan's order is `PostgresPhase`'s, and every hazard says what it risks.
final class PlanTests: XCTestCase {
    /// Every plan of the migration cases, and the bundled definitions from empty.
    func plans() throws -> [(name: String, plan: MigrationPlan)] {
        var out: [(String, MigrationPlan)] = []
        for c in try MigrationTests.cases() {
            let changes = PostgresDiff.changes(from: try c.load("before"), to: try c.load("after"))
            guard PostgresDiff.unsupported(changes).isEmpty else { continue }
            out.append((c.name, PostgresPlanner.plan(changes)))
        }
        let bundled = try XCTUnwrap(DefinitionsLoader.load(directory: Repo.root.appendingPathComponent("definitions"),
                                                           displayPrefix: "definitions").definitions?.postgres)
        out.append(("bundled", PostgresPlanner.plan(PostgresDiff.changes(from: .empty, to: bundled))))
        return out
    }

    func phase(of section: MigrationPlan.Section) -> PostgresPhase? {
        if section.title.hasPrefix("Table ") { return .tables }
        if section.title.hasPrefix("View ") || section.title.hasPrefix("Materialized view ") { return .views }
        return PostgresPhase.allCases.first { $0.title == section.title }
    }

    func testSectionsComeInPhaseOrder() throws {
        let order = Dictionary(uniqueKeysWithValues: PostgresPhase.allCases.enumerated().map { ($1, $0) })
        var seen = Set<PostgresPhase>()
        for (name, plan) in try plans() {
            var last = -1
            for section in plan.sections {
                let phase = try XCTUnwrap(phase(of: section), "\(name): section '\(section.title)' belongs to no phase")
                XCTAssertGreaterThanOrEqual(order[phase]!, last, "\(name): '\(section.title)' after a later phase")
                XCTAssertEqual(section.atomic, phase.atomic, "\(name): \(section.title)")
                last = order[phase]!
                seen.insert(phase)
            }
        }
        // The cases reach most phases, so that the order is really exercised.
        XCTAssertGreaterThanOrEqual(seen.count, 25, "phases reached: \(seen)")
    }

    func testPhaseTitlesAreDistinctAndOnlyPerObjectPhasesHaveNone() {
        let titles = PostgresPhase.allCases.compactMap(\.title)
        XCTAssertEqual(Set(titles).count, titles.count)
        XCTAssertEqual(Set(PostgresPhase.allCases.filter { $0.title == nil }), [.tables, .views])
        // What each phase must follow, and why: the order's reasons, checked.
        let before: [(PostgresPhase, PostgresPhase, String)] = [
            (.schemas, .tables, "tables live in schemas"), (.roles, .privileges, "grants name roles"),
            (.enums, .tables, "columns have enum types"), (.functions, .tables, "defaults and checks call functions"),
            (.renames, .newColumns, "later statements use the new names"), (.viewDrops, .columnChanges, "views pin column types"),
            (.objectDrops, .keys, "a changed constraint is dropped before it is added again"),
            (.tables, .deferredForeignKeys, "both tables exist"), (.keys, .foreignKeys, "a foreign key needs the referenced key"),
            (.indexDrops, .indexBuilds, "a changed index is dropped before it is built again"),
            (.partitionDetaches, .partitionDrops, "no two partitions overlap"), (.partitionDrops, .partitionAttaches, "no two partitions overlap"),
            (.partitionAttaches, .partitionAdds, "no two partitions overlap"), (.tables, .views, "views read tables"),
            (.views, .columnDrops, "drops come once nothing reads what they drop"), (.columnDrops, .tableDrops, "a table's columns go with it"),
            (.tableDrops, .enumDrops, "a type is dropped once no column has it"), (.enumDrops, .schemaDrops, "a schema is dropped empty"),
        ]
        let all = PostgresPhase.allCases
        for (first, then, why) in before {
            XCTAssertLessThan(all.firstIndex(of: first)!, all.firstIndex(of: then)!, "\(first) must come before \(then): \(why)")
        }
        XCTAssertEqual(all.last, .schemaDrops)
    }

    func testEveryHazardSaysWhatItRisksForItsStatement() throws {
        var kinds = Set<HazardKind>()
        for (name, plan) in try plans() {
            for statement in plan.statements {
                for hazard in statement.hazards {
                    kinds.insert(hazard.kind)
                    XCTAssertTrue(hazard.message.contains(statement.target), "\(name): '\(hazard.message)' does not name \(statement.target)")
                }
            }
        }
        // The kinds only ClickHouse statements carry are reached by its migration cases (ClickHouseLiveTests).
        XCTAssertEqual(kinds, Set(HazardKind.allCases).subtracting(ClickHouseMigrationCase.clickHouseOnlyHazards), "hazard kinds no case reaches")
        let drop = PlannedStatement(kind: .dropTable, target: "public.t", sql: "DROP TABLE t;", hazards: [.dataLoss])
        XCTAssertEqual(drop.hazards, [Hazard(.dataLoss, "drops table public.t and every row in it")])
        XCTAssertTrue(drop.isDestructive)
    }

    /// The heap order of `foreignKeyOrder` against the rule it keeps, written
    /// the plain quadratic way: the first table whose referenced tables are
    /// placed, else the first left. Random graphs with cycles, self references,
    /// references outside the set and repeated names.
    func testForeignKeyOrderIsTheFirstReadyTableAtEachStep() {
        func reference(_ tables: [Table]) -> [Table] {
            let names = Set(tables.map(\.name))
            var placed = Set<QualifiedName>(), remaining = tables, result: [Table] = []
            while !remaining.isEmpty {
                let ready = remaining.firstIndex { t in
                    t.foreignKeys.allSatisfy { $0.referencedTable == t.name || placed.contains($0.referencedTable) || !names.contains($0.referencedTable) }
                } ?? 0
                let table = remaining.remove(at: ready)
                placed.insert(table.name)
                result.append(table)
            }
            return result
        }
        var rng = FuzzTests.SplitMix64(state: 19)
        for round in 0..<300 {
            let count = 1 + Int(rng.next() % 30)
            let tables = (0..<count).map { i -> Table in
                // A few names repeat, and some references point outside the set.
                let name = QualifiedName(schema: "public", name: "t\(rng.next() % 8 == 0 ? 0 : i)")
                var t = Table(name: name)
                for k in 0..<Int(rng.next() % 4) {
                    let target = QualifiedName(schema: "public", name: "t\(rng.next() % UInt64(count + 3))")
                    t.foreignKeys.append(ForeignKey(name: "fk\(k)", columns: ["c"], referencedTable: target, referencedColumns: ["id"]))
                }
                t.comment = "\(i)"
                return t
            }
            XCTAssertEqual(PostgresPlanner.foreignKeyOrder(tables).map(\.comment), reference(tables).map(\.comment), "round \(round)")
        }
    }
}
