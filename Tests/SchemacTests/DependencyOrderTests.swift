import Foundation
import SchemacLoader
import SchemacModel
import SchemacPostgres
import XCTest

/// Plans ordered by the target's own dependency graph (`pg_depend`), on a
/// real server: what PostgreSQL records between objects, and what the
/// definitions cannot see, decides the order or stops the plan with a name.
final class DependencyOrderTests: XCTestCase {
    typealias Project = LiveSafetyTests.Project

    static let orders = """
        postgres:
          tables:
            orders:
              columns:
                id: { type: bigint, primary_key: true }
                code: text
              unique: [{ name: orders_code_key, columns: [code] }]

        """

    /// Only a plan that removes something is ordered by the graph, so only
    /// then is it read: a plan that adds a column to one table of ten
    /// thousand costs no read of the whole graph.
    func testOnlyAPlanThatRemovesSomethingNeedsTheGraph() throws {
        func schema(_ yaml: String) throws -> PostgresSchema {
            try XCTUnwrap(DefinitionsLoader.load([DefinitionSource(displayPath: "t.yaml", text: yaml)]).definitions?.postgres)
        }
        let before = try schema(Self.orders)
        let added = try schema(Self.orders.replacingOccurrences(of: "code: text", with: "code: text\n        note: text?"))
        let dropped = try schema(Self.orders.replacingOccurrences(of: "        code: text\n", with: "")
            .replacingOccurrences(of: "      unique: [{ name: orders_code_key, columns: [code] }]\n", with: ""))
        XCTAssertFalse(DependencyOrder.needsGraph(PostgresPlanner.plan(PostgresDiff.changes(from: before, to: added))))
        XCTAssertTrue(DependencyOrder.needsGraph(PostgresPlanner.plan(PostgresDiff.changes(from: before, to: dropped))))
        XCTAssertTrue(DependencyOrder.needsGraph(PostgresPlanner.plan(PostgresDiff.changes(from: added, to: before))))
    }

    /// Functions that call one another, and a function whose result is a
    /// view's rows, all dropped: callers first, and the function before the
    /// view (the phases alone would drop views first).
    func testDropsFollowWhatTheServerRecords() throws {
        let project = try Project("dep_drops", files: ["public.yaml": Self.orders])
        try project.migrate()
        _ = try project.psql("""
            CREATE FUNCTION a_base(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN x + 1;
            CREATE FUNCTION b_mid(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN a_base(x) * 2;
            CREATE FUNCTION c_top(x integer) RETURNS integer LANGUAGE sql IMMUTABLE RETURN b_mid(x) + a_base(x);
            CREATE VIEW v_rows AS SELECT id FROM orders;
            CREATE FUNCTION f_rows() RETURNS SETOF v_rows LANGUAGE sql AS 'SELECT * FROM v_rows';
            """)
        let plan = try project.migrate(allowDestructive: true)
        func position(_ text: String) -> String.Index? { plan.range(of: text)?.lowerBound }
        for (first, then) in [("\"public\".\"f_rows\"", "DROP VIEW IF EXISTS \"public\".\"v_rows\""),
                              ("\"public\".\"c_top\"", "\"public\".\"b_mid\""), ("\"public\".\"b_mid\"", "\"public\".\"a_base\"")] {
            guard let a = position(first), let b = position(then) else { return XCTFail("\(first) or \(then) missing:\n\(plan)") }
            XCTAssertLessThan(a, b, "\(first) goes before \(then):\n\(plan)")
        }
        try project.assertInSync("after the drops")
    }

    /// A foreign key the plan keeps leans on a unique key the plan replaces
    /// with a primary key: dropped just before, added back once the new key
    /// is there, and no row is lost.
    func testAKeptForeignKeyIsDroppedAndAddedBackAroundItsKey() throws {
        let before = """
            postgres:
              tables:
                accounts:
                  columns:
                    id: bigint
                  unique: [{ name: accounts_id_key, columns: [id] }]
                entries:
                  columns:
                    id: { type: bigint, primary_key: true }
                    account: { type: bigint, references: accounts.id }

            """
        let project = try Project("dep_fk_key", files: ["public.yaml": before])
        try project.migrate()
        _ = try project.psql("INSERT INTO accounts VALUES (1); INSERT INTO entries VALUES (10, 1);")
        try project.write(["public.yaml": before.replacingOccurrences(of: "id: bigint\n      unique: [{ name: accounts_id_key, columns: [id] }]",
                                                                       with: "id: { type: bigint, primary_key: true }")])
        let plan = try project.migrate(allowDestructive: true)
        XCTAssertTrue(plan.contains("DROP CONSTRAINT IF EXISTS \"entries_account_fkey\""), plan)
        XCTAssertTrue(plan.contains("ADD CONSTRAINT \"entries_account_fkey\" FOREIGN KEY (account) REFERENCES"), plan)
        XCTAssertTrue(plan.contains("(id) NOT VALID;"), plan)
        XCTAssertEqual(try project.psql("SELECT count(*) FROM entries"), "1")
        XCTAssertEqual(try project.psql("SELECT convalidated FROM pg_constraint WHERE conname = 'entries_account_fkey'"), "t")
        try project.assertInSync("the key is back")
    }

    /// A table of a schema the definitions leave alone references a table
    /// the plan drops: the plan is refused, naming the key, before anything runs.
    func testAForeignKeyFromAnExcludedSchemaStopsTheDrop() throws {
        let project = try Project("dep_excluded", files: ["public.yaml": Self.orders],
                                  config: "targets: [postgres]\npostgres: { exclude_schemas: [legacy] }\n")
        try project.migrate()
        _ = try project.psql("CREATE SCHEMA legacy; CREATE TABLE legacy.notes (order_id bigint REFERENCES public.orders (id));")
        try project.write(["public.yaml": "postgres:\n  tables: {}\n"])
        let refused = try project.diff(["--allow-destructive"])
        XCTAssertEqual(refused.status, 1, refused.stdout)
        XCTAssertTrue(refused.stderr.contains("[unsupported-change]"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("constraint legacy.notes.notes_order_id_fkey depends on it, which the definitions do not manage"),
                      refused.stderr)
        XCTAssertEqual(refused.stdout, "")
        XCTAssertEqual(try project.psql("SELECT count(*) FROM pg_class WHERE relname = 'orders'"), "1")
    }
}
