import SchemacDiagnostics
import SchemacModel
import Yams

/// `schemac lint` (and `check`): what a reviewer would point out, as warnings
/// at the table's place. Each id can be silenced in schemac.yaml.
enum LintChecks {
    static func report(postgres: PostgresSchema?, clickhouse: ClickHouseSchema?, declarations: PostgresDeclarations,
                       clickhouseTables: [(name: String, node: Node, key: Node, reader: NodeReader)]) {
        if let pg = postgres {
            for t in pg.tables {
                guard let d = declarations.tables.first(where: { $0.name == t.name }) else { continue }
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
        if let ch = clickhouse {
            let withTTL = ch.tables.filter { !$0.ttl.isEmpty }.count
            for t in ch.tables where t.ttl.isEmpty && withTTL > 0 {
                guard let n = clickhouseTables.first(where: { $0.name == t.name }) else { continue }
                n.reader.report(.clickhouseTableWithoutTTL(table: t.name, siblings: withTTL, at: n.reader.location(n.key)))
            }
        }
    }
}
