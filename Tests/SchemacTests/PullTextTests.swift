import SchemacLoader
import SchemacPostgres
import XCTest

@testable import SchemacLoader

/// The pieces of `pull` that read PostgreSQL's printed text, and the SQL
/// file splitter of `pull --sql`.
final class PullTextTests: XCTestCase {
    func testPrintedTextReadsAsWritten() {
        XCTAssertEqual(PulledText.withoutOuterParentheses("(a > 0)"), "a > 0")
        XCTAssertEqual(PulledText.withoutOuterParentheses("(a > 0) AND (b > 0)"), "(a > 0) AND (b > 0)")
        XCTAssertEqual(PulledText.withoutOuterParentheses("(a = ')(')"), "a = ')('")
        XCTAssertEqual(PulledText.unqualifiedPublic("x = 'public.y'::public.state AND public.f(\"public\".z)"),
                       "x = 'public.y'::state AND f(\"public\".z)")
        XCTAssertEqual(PulledText.unqualifiedPublic("mypublic.t, billing.public.x"), "mypublic.t, billing.public.x")
        XCTAssertEqual(PulledText.settledArrays("s::text = ANY (ARRAY['a'::character varying, 'b,]'::character varying]::text[])"),
                       "s::text = ANY (ARRAY['a'::character varying, 'b,]'::character varying])")
        XCTAssertEqual(PulledText.settledArrays("s = ANY (ARRAY[1, 2]::text[])"), "s = ANY (ARRAY[1, 2]::text[])")
        let check = PulledText.tenantCheck("(org_id = (NULLIF(current_setting('app.o''rg'::text, true), ''::text))::uuid)")
        XCTAssertEqual(check?.column, "org_id")
        XCTAssertEqual(check?.setting, "app.o'rg")
        XCTAssertEqual(check?.type, "uuid")
        XCTAssertEqual(PulledText.tenantCheck("\"Org\" = NULLIF(current_setting('s'::text, true), ''::text)::bigint")?.column, "Org")
        XCTAssertNil(PulledText.tenantCheck("org_id = current_setting('s'::text)::uuid"))
    }

    func testPartitionBoundsAsPrinted() {
        guard case .range(let from, let to)? = PulledText.partitionBound("FOR VALUES FROM ('2026-01-01', MINVALUE) TO ('it''s', 10)") else {
            return XCTFail("range")
        }
        XCTAssertEqual(from, ["2026-01-01", "MINVALUE"])
        XCTAssertEqual(to, ["it's", "10"])
        guard case .list(let values)? = PulledText.partitionBound("FOR VALUES IN ('a', NULL, 'b')") else { return XCTFail("list") }
        XCTAssertEqual(values, ["a", nil, "b"])
        guard case .hash(8, 3)? = PulledText.partitionBound("FOR VALUES WITH (modulus 8, remainder 3)") else { return XCTFail("hash") }
        XCTAssertNil(PulledText.partitionBound("FOR VALUES FROM (now()) TO (1)"))
    }

    func testScriptsSplitWherePsqlSplits() throws {
        let script = try SQLScript("""
            -- leading comment; not a statement
            CREATE TABLE a (x text DEFAULT 'a;b');
            /* block ; /* nested ; */ still */ CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;

            INSERT INTO a VALUES (E'it\\'s;'), ($$;$$);
            CREATE TABLE "semi;colon" (y int)
            """)
        XCTAssertEqual(script.statements.map(\.line), [2, 3, 5, 6])
        XCTAssertEqual(script.statements.map(\.sql).last, "CREATE TABLE \"semi;colon\" (y int)")
        XCTAssertThrowsError(try SQLScript("SELECT 1;\n  \\i other.sql\n")) { error in
            XCTAssertEqual((error as? SQLScript.MetaCommand)?.line, 2)
        }
        XCTAssertEqual(SQLScript.transactional("create  unique index concurrently if not exists i on t (x)"),
                       "create unique index if not exists i on t (x)")
        XCTAssertEqual(SQLScript.transactional("DROP INDEX CONCURRENTLY i"), "DROP INDEX i")
        XCTAssertEqual(SQLScript.transactional("CREATE INDEX i ON t (x)"), "CREATE INDEX i ON t (x)")
    }
}
