import SchemacDiagnostics
import SchemacModel
import Yams

/// `schemac lint` (and `check`): what a reviewer would point out, as warnings
/// at the table's place. Each id can be silenced in schemac.yaml.
enum LintChecks {
    static func report(postgres: PostgresSchema?, clickhouse: ClickHouseSchema?, declarations: PostgresDeclarations,
                       clickhouseTables: [(name: String, node: Node, key: Node, reader: NodeReader)]) {
        if let pg = postgres {
            // By name: a search of the declarations per table is quadratic (4.6 s at 10,000 tables).
            let declared = Dictionary(declarations.tables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for t in pg.tables {
                guard let d = declared[t.name] else { continue }
                let name = t.name.display(defaultSchema: "public"), at = d.location
                if t.primaryKey == nil { d.reader.report(.missingPrimaryKey(table: name, at: at)) }
                if let tenancy = declarations.tenancy, !t.rowLevelSecurity, t.columns.contains(where: { $0.name == tenancy.column }) {
                    d.reader.report(.tenantColumnWithoutTenant(table: name, column: tenancy.column, at: at))
                }
                // An index serves a foreign key when its leading columns are the key's.
                var leading: [[String]] = t.indexes.map { $0.keys.compactMap(\.column) }
                if let pk = t.primaryKey { leading.append(pk.columns) }
                leading += t.uniques.map(\.columns)
                for fk in t.foreignKeys where !leading.contains(where: { Array($0.prefix(fk.columns.count)) == fk.columns }) {
                    d.reader.report(.foreignKeyWithoutIndex(table: name, columns: fk.columns, at: at))
                }
                let nullable = Set(t.columns.filter(\.nullable).map(\.name))
                for u in t.uniques where !u.nullsNotDistinct {
                    for c in u.columns where nullable.contains(c) {
                        d.reader.report(.nullableUniqueColumn(table: name, column: c, constraint: "unique constraint \(u.name)", at: at))
                    }
                }
                for i in t.indexes where i.unique && i.predicate == nil {
                    for c in i.keys.compactMap(\.column) where nullable.contains(c) {
                        d.reader.report(.nullableUniqueColumn(table: name, column: c, constraint: "unique index \(i.name)", at: at))
                    }
                }
            }
        }
        if let pg = postgres { reportViews(pg, declarations: declarations) }
        if let ch = clickhouse {
            let withTTL = ch.tables.filter { !$0.ttl.isEmpty }.count
            let declared = Dictionary(clickhouseTables.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for t in ch.tables where t.ttl.isEmpty && withTTL > 0 {
                guard let n = declared[t.name] else { continue }
                n.reader.report(.clickhouseTableWithoutTTL(table: t.name, siblings: withTTL, at: n.reader.location(n.key)))
            }
        }
    }

    /// Views over tables with row level security that do not read as their
    /// invoker: materialized ones cannot, others were told not to.
    static func reportViews(_ pg: PostgresSchema, declarations: PostgresDeclarations) {
        let rowSecure = Set(pg.tables.filter(\.rowLevelSecurity).map(\.name))
        guard !rowSecure.isEmpty else { return }
        let declared = Dictionary(declarations.views.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for v in pg.views where !v.securityInvoker {
            guard let d = declared[v.name] else { continue }
            let read = ViewRelations.references(in: v.query).map { QualifiedName(schema: $0.schema ?? "public", name: $0.name) }
            guard let table = read.first(where: rowSecure.contains) else { continue }
            let view = v.name.display(defaultSchema: "public"), tableName = table.display(defaultSchema: "public")
            if v.materialized {
                d.reader.report(.materializedViewOverRowSecurity(view: view, table: tableName, at: d.location))
            } else {
                d.reader.report(.viewBypassesRowSecurity(view: view, table: tableName, at: d.location))
            }
        }
    }
}
