import Foundation
import SchemacModel

/// What schemac generates for `tenant: true` and `auto_updated_at`, found
/// again in a database so that it is written as those keys.
extension PullWriter {
    /// The tenancy most tenant tables share: the column and setting of
    /// their `tenant_isolation` policies.
    func recognisedTenancy() -> (column: String, setting: String)? {
        var counts: [String: (column: String, setting: String, count: Int)] = [:]
        for t in model.tables {
            guard let found = tenantPolicy(t) else { continue }
            counts[found.column + "\u{0}" + found.setting, default: (found.column, found.setting, 0)].count += 1
        }
        return counts.values.max { ($0.count, $1.column, $1.setting) < ($1.count, $0.column, $0.setting) }.map { ($0.column, $0.setting) }
    }

    /// The column and setting of `t`'s tenant isolation, when the table holds
    /// exactly what `tenant: true` makes: row level security on and forced,
    /// and a policy `tenant_isolation` for all commands and roles whose check
    /// compares the column, cast as the column is typed, with the setting.
    func tenantPolicy(_ t: Table) -> (column: String, setting: String)? {
        guard t.rowLevelSecurity, t.forceRowLevelSecurity,
              let p = t.policies.first(where: { $0.name == "tenant_isolation" }), p.command == .all, p.permissive, p.roles.isEmpty,
              let using = p.using, using == p.withCheck, let check = PulledText.tenantCheck(using),
              let column = t.column(named: check.column), column.type.sql == check.type || column.type.element.sql == check.type && !column.type.isArray
        else { return nil }
        return (check.column, check.setting)
    }

    /// Whether `t` is a tenant table under the tenancy recognised.
    func isTenant(_ t: Table) -> Bool {
        tenantTables.contains(t.name)
    }

    /// The tables `tenant: true` is written on.
    func recognisedTenantTables() -> Set<QualifiedName> {
        guard let tenancy else { return [] }
        return Set(model.tables.filter { tenantPolicy($0).map { $0 == tenancy } ?? false }.map(\.name))
    }

    /// The shared function of `auto_updated_at`, when it is schemac's own
    /// (its body unchanged) and lives where the resolver would put it: in
    /// the schema of the first table written that has one of its triggers.
    func recognisedUpdatedAtFunction() -> QualifiedName? {
        let firstUser = tablesInWrittenOrder.first { t in t.triggers.contains { isUpdatedAtTrigger($0, in: t, function: nil) } }
        guard let firstUser else { return nil }
        let name = QualifiedName(schema: firstUser.name.schema, name: PostgresResolver.sharedUpdatedAtFunction)
        let expected = PostgresResolver.updatedAtFunction(schema: name.schema)
        guard let fn = model.functions.first(where: { $0.name == name }), fn.arguments.isEmpty, fn.returns == "trigger",
              fn.language == "plpgsql", fn.body.trimmingCharacters(in: .newlines) == expected.body.trimmingCharacters(in: .newlines), fn.securityDefiner == false,
              fn.volatility == nil || fn.volatility == .volatile, fn.comment == expected.comment else { return nil }
        // Every trigger on it must be one `auto_updated_at` makes, or it would be lost.
        // One per table, as the key makes.
        for t in model.tables {
            let onIt = t.triggers.filter { $0.function == name }
            if onIt.count > 1 || onIt.contains(where: { !isUpdatedAtTrigger($0, in: t, function: name) }) { return nil }
        }
        return name
    }

    /// Whether `trigger` is the one `auto_updated_at: <column>` makes.
    func isUpdatedAtTrigger(_ trigger: Trigger, in t: Table, function: QualifiedName?) -> Bool {
        guard trigger.timing == .before, trigger.events == [.update], trigger.forEachRow, trigger.when == nil,
              trigger.arguments.count == 1, trigger.function.name == PostgresResolver.sharedUpdatedAtFunction,
              function == nil || trigger.function == function,
              let column = t.column(named: trigger.arguments[0]),
              trigger.name == Identifier.clip("set_\(column.name)", toBytes: Identifier.maxBytes),
              let b = column.type.builtin, [.timestamp, .timestamptz, .date].contains(b), !column.type.isArray else { return false }
        return true
    }

    /// Tables in the order the files list them: schema by schema, by name.
    var tablesInWrittenOrder: [Table] {
        let rank = Dictionary(schemas.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return model.tables.filter { rank[$0.name.schema] != nil && writtenColumns[$0.name] != nil }.sorted {
            (rank[$0.name.schema]!, $0.name.name) < (rank[$1.name.schema]!, $1.name.name)
        }
    }
}
