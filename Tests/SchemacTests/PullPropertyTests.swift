import Foundation
import SchemacCore
import SchemacLoader
import SchemacModel
import SchemacPostgres
import XCTest

/// Random databases pulled: built from the random-edit generator's
/// definitions, with objects the language does not hold mixed in by SQL.
/// Each either round-trips exactly (nothing mixed in) or names what it
/// skipped, and nothing of the source is lost without a word.
/// `SCHEMAC_PULL_SEEDS` (default 40) sets how many; `SCHEMAC_PULL_SEED=N` reruns one.
final class PullPropertyTests: XCTestCase {
    typealias RNG = FuzzTests.SplitMix64

    /// Statements of kinds the language does not hold, on table `t` with
    /// an integer column `c` (`n` makes names unique).
    static func unheld(table t: String, column c: String, _ n: Int) -> [String] {
        let q = SQLText.identifier
        return [
            "CREATE DOMAIN d\(n) AS integer CHECK (VALUE >= 0); ALTER TABLE \(q(t)) ADD COLUMN dom\(n) d\(n);",
            "CREATE SEQUENCE seq\(n);",
            "CREATE TYPE pair\(n) AS (a integer, b integer);",
            "CREATE RULE r\(n) AS ON DELETE TO \(q(t)) DO INSTEAD NOTHING;",
            "COMMENT ON TABLE \(q(t)) IS 'it''s \(n)';",
            "CREATE UNLOGGED TABLE scratch\(n) (x integer);",
            "DO $$ BEGIN CREATE ROLE prop_reader; EXCEPTION WHEN duplicate_object THEN NULL; END $$; GRANT SELECT (\(q(c))) ON \(q(t)) TO prop_reader;",
            "ALTER TABLE \(q(t)) ADD CONSTRAINT nv\(n) CHECK (\(q(c)) IS NOT NULL OR true) NOT VALID;",
            "CREATE TABLE child\(n) (extra integer) INHERITS (\(q(t)));",
            "ALTER TABLE \(q(t)) SET (fillfactor = 70);",
        ]
    }

    func testRandomDatabasesRoundTripOrNameWhatTheySkip() throws {
        let env = ProcessInfo.processInfo.environment
        let seeds: [UInt64] = env["SCHEMAC_PULL_SEED"].flatMap(UInt64.init).map { [$0] }
            ?? Array(1...UInt64(Int(env["SCHEMAC_PULL_SEEDS"] ?? "") ?? 40))
        let cluster = try PostgresCluster.get()
        for seed in seeds {
            var rng = RNG(state: seed)
            var generator = RandomEditTests.Generator()
            let spec = generator.randomSpec(&rng)
            let model = try RandomEditTests.load(spec)
            let dir = try Repo.temporaryDirectory("pull-random")
            defer { try? FileManager.default.removeItem(at: dir) }
            let file = dir.appendingPathComponent("schema.sql")
            try Data(PostgresRenderer.schemaFile(for: model, sourceFiles: []).utf8).write(to: file)
            let db = try cluster.databaseFromSchema(file, label: "pull_random")
            // Half the seeds get objects the language does not hold.
            var mixed: [String] = []
            if seed % 2 == 0, let t = model.tables.randomElement(using: &rng),
               let c = t.columns.first(where: { $0.type.builtin == .integer || $0.type.builtin == .bigint }) ?? t.columns.first {
                let candidates = Self.unheld(table: t.name.name, column: c.name, Int(seed))
                mixed = Array(candidates.shuffled(using: &rng).prefix(Int.random(in: 1...3, using: &rng)))
                for statement in mixed { try cluster.psql(database: db, sql: statement) }
            }
            let exact = try PullOutsideTests.roundTrip(cluster, source: db, label: "seed \(seed) (SCHEMAC_PULL_SEED=\(seed)) \(mixed)")
            if mixed.isEmpty { XCTAssertTrue(exact, "seed \(seed): definitions schemac wrote pull with warnings") }
        }
    }
}
