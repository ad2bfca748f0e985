import SchemacMigrate
import SchemacModel

/// What PostgreSQL statements do, as plans and their JSON name them.
extension StatementKind {
    public static let createSchema = StatementKind("create_schema")
    public static let dropSchema = StatementKind("drop_schema")
    public static let createExtension = StatementKind("create_extension")
    public static let createRole = StatementKind("create_role")
    public static let createEnum = StatementKind("create_enum")
    public static let createDomain = StatementKind("create_domain")
    public static let alterDomain = StatementKind("alter_domain")
    public static let dropDomain = StatementKind("drop_domain")
    public static let createSequence = StatementKind("create_sequence")
    public static let alterSequence = StatementKind("alter_sequence")
    public static let dropSequence = StatementKind("drop_sequence")
    public static let createFunction = StatementKind("create_function")
    public static let createTable = StatementKind("create_table")
    public static let createPartition = StatementKind("create_partition")
    public static let addForeignKey = StatementKind("add_foreign_key")
    public static let createIndex = StatementKind("create_index")
    public static let createTrigger = StatementKind("create_trigger")
    public static let enableRowLevelSecurity = StatementKind("enable_row_level_security")
    public static let forceRowLevelSecurity = StatementKind("force_row_level_security")
    public static let createPolicy = StatementKind("create_policy")
    public static let alterPolicy = StatementKind("alter_policy")
    public static let grant = StatementKind("grant")
    public static let comment = StatementKind("comment")
    public static let createView = StatementKind("create_view")
    public static let setViewOption = StatementKind("set_view_option")
    public static let addEnumValue = StatementKind("add_enum_value")
    public static let dropEnum = StatementKind("drop_enum")
    public static let renameTable = StatementKind("rename_table")
    public static let renameSequence = StatementKind("rename_sequence")
    public static let dropTable = StatementKind("drop_table")
    public static let addColumn = StatementKind("add_column")
    public static let renameColumn = StatementKind("rename_column")
    public static let renameConstraint = StatementKind("rename_constraint")
    public static let dropColumn = StatementKind("drop_column")
    public static let alterColumnType = StatementKind("alter_column_type")
    public static let setNotNull = StatementKind("set_not_null")
    public static let dropNotNull = StatementKind("drop_not_null")
    public static let setDefault = StatementKind("set_default")
    public static let dropDefault = StatementKind("drop_default")
    public static let dropIndex = StatementKind("drop_index")
    public static let dropView = StatementKind("drop_view")
    public static let dropConstraint = StatementKind("drop_constraint")
    public static let addConstraint = StatementKind("add_constraint")
    public static let dropPolicy = StatementKind("drop_policy")
    public static let dropTrigger = StatementKind("drop_trigger")
    public static let revoke = StatementKind("revoke")
    public static let dropFunction = StatementKind("drop_function")
    public static let renameIndex = StatementKind("rename_index")
    public static let setIdentity = StatementKind("set_identity")
    public static let dropExpression = StatementKind("drop_expression")
    public static let replaceColumn = StatementKind("replace_column")
    public static let detachPartition = StatementKind("detach_partition")
    public static let attachPartition = StatementKind("attach_partition")
}

extension PlannedStatement {
    /// A PostgreSQL statement whose hazards are said in the sentences of
    /// `PostgresHazards` for its kind and target. Unless told otherwise it
    /// runs in a transaction of its own when it scans, rewrites or moves rows
    /// (the locks of the statements before it are not held meanwhile) and when
    /// it adds an enum value (which later statements can use only once committed).
    init(kind: StatementKind, target: String, sql: String, hazards: [HazardKind] = [], isolation: Isolation? = nil,
         precondition: DataPrecondition? = nil) {
        let long = hazards.contains { [.validation, .tableRewrite, .movesRows].contains($0) }
        self.init(kind: kind, target: target, sql: sql,
                  hazards: hazards.map { Hazard($0, PostgresHazards.sentence($0, of: kind, on: target)) },
                  isolation: isolation ?? (long || kind == .addEnumValue ? .alone : .shared), precondition: precondition)
    }
}

extension DataPrecondition {
    /// A query that returns `true` when the statement would fail: bounded,
    /// since EXISTS stops at the first offending row. Table and column are
    /// named as the target has them now, before the migration renames them.
    public func query(renamedTables: [QualifiedName: QualifiedName], renamedColumns: [QualifiedName: [String: String]]) -> String {
        let current = renamedTables[table] ?? table
        switch kind {
        case .noRows:
            return "SELECT EXISTS (SELECT FROM \(SQL.qualified(current)))"
        case .noNulls(let column):
            let name = renamedColumns[table]?[column] ?? column
            return "SELECT EXISTS (SELECT FROM \(SQL.qualified(current)) WHERE \(SQL.identifier(name)) IS NULL)"
        case .castable(_, let from, let to):
            // An explicit cast exists between the base types, or through text (I/O conversion); a type not there yet is not judged.
            return """
                WITH s AS (SELECT coalesce(nullif(t.typbasetype, 0), t.oid) AS oid FROM pg_catalog.pg_type t WHERE t.oid = pg_catalog.to_regtype(\(SQL.literal(from)))),
                     d AS (SELECT coalesce(nullif(t.typbasetype, 0), t.oid) AS oid FROM pg_catalog.pg_type t WHERE t.oid = pg_catalog.to_regtype(\(SQL.literal(to))))
                SELECT EXISTS (SELECT FROM s, d WHERE s.oid <> d.oid
                   AND NOT EXISTS (SELECT FROM pg_catalog.pg_cast c WHERE c.castsource = s.oid AND c.casttarget = d.oid)
                   AND NOT EXISTS (SELECT FROM pg_catalog.pg_type t WHERE t.oid IN (s.oid, d.oid) AND (t.typcategory = 'S' OR t.typcategory = 'A')))
                """
        }
    }
}
