import SchemacModel

/// One difference between two PostgreSQL schemas, as the planner consumes it.
/// Creating a table carries everything that belongs to it (constraints, indexes,
/// partitions, policies, triggers, grants, comments).
public enum SchemaChange: Hashable, Sendable {
    case createSchema(String)
    case createExtension(String)
    case createRole(String)
    case createEnum(EnumType)
    case createFunction(Function)
    case createTable(Table)
    case createView(View)
}

public enum PostgresDiff {
    /// What must be created, altered or dropped to turn `current` into `desired`.
    /// `generate` calls it with `current == .empty`, so fresh DDL and migrations
    /// share one path.
    public static func changes(from current: PostgresSchema, to desired: PostgresSchema) -> [SchemaChange] {
        var changes: [SchemaChange] = []
        let currentSchemas = Set(current.schemas).union(PostgresSchema.builtinSchemas)
        changes += desired.schemas.filter { !currentSchemas.contains($0) }.map(SchemaChange.createSchema)
        let currentExtensions = Set(current.extensions)
        changes += desired.extensions.filter { !currentExtensions.contains($0) }.map(SchemaChange.createExtension)
        let currentRoles = Set(current.roles)
        changes += desired.roles.filter { !currentRoles.contains($0) }.map(SchemaChange.createRole)
        let currentEnums = Set(current.enums.map(\.name))
        changes += desired.enums.filter { !currentEnums.contains($0.name) }.map(SchemaChange.createEnum)
        let currentFunctions = Set(current.functions.map(\.name))
        changes += desired.functions.filter { !currentFunctions.contains($0.name) }.map(SchemaChange.createFunction)
        let currentTables = Set(current.tables.map(\.name))
        changes += desired.tables.filter { !currentTables.contains($0.name) }.map(SchemaChange.createTable)
        let currentViews = Set(current.views.map(\.name))
        changes += desired.views.filter { !currentViews.contains($0.name) }.map(SchemaChange.createView)
        return changes
    }
}
