import SchemacModel

/// An object of a live database as the dependency graph names it: its kind
/// and `schema.name` (`schema.table.part` for what lives on a table).
public struct CatalogObject: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Comparable {
        case relation, column, function, type, constraint, trigger, policy
        /// A column's default expression, `schema.table.column`.
        case columnDefault = "default"

        public static func < (a: Kind, b: Kind) -> Bool { a.rawValue < b.rawValue }
    }

    public var kind: Kind
    public var name: String

    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }

    public var description: String {
        switch kind {
        case .relation: "relation \(name)"
        case .columnDefault: "the default of column \(name)"
        default: "\(kind.rawValue) \(name)"
        }
    }

    public static func < (a: CatalogObject, b: CatalogObject) -> Bool { (a.kind, a.name) < (b.kind, b.name) }
}

/// What the server records in `pg_depend` between the objects of the
/// inspected schemas (and what leans on them from any other schema): the
/// normal dependencies, the ones that make a plain DROP fail. A plan is
/// ordered by them rather than by its phases alone.
public struct ServerDependencies: Hashable, Sendable {
    /// `dependent` cannot outlive `referenced`.
    public struct Edge: Hashable, Sendable {
        public var dependent: CatalogObject
        public var referenced: CatalogObject
    }

    public var edges: [Edge] = []
    /// What goes with an object when it goes: a table's columns, constraints,
    /// triggers, policies, defaults and indexes; a view's rules.
    public var owners: [CatalogObject: CatalogObject] = [:]
    /// Foreign keys as the server prints them (`FOREIGN KEY (a) REFERENCES t(id)`),
    /// to add one again that a plan must drop for a moment.
    public var foreignKeys: [CatalogObject: String] = [:]
    /// Foreign keys of partitioned tables, which cannot be added NOT VALID.
    public var partitioned: Set<CatalogObject> = []
    /// Objects of schemas the inspection does not read, or kinds it does not
    /// hold: what a plan cannot drop and make again.
    public var unmanaged: Set<CatalogObject> = []

    /// Privileges the target grants by default (ALTER DEFAULT PRIVILEGES) to
    /// tables and views (`r`) or sequences (`S`) the inspecting role creates:
    /// the schema (nil for every schema), and the role (`PUBLIC` for all).
    public var defaultGrantees: [DefaultGrantee] = []

    public struct DefaultGrantee: Hashable, Sendable {
        public var schema: String?
        public var objectType: String
        public var role: String
    }

    public init() {}

    /// The partitions of `schema`'s tables as owned by their tables: what
    /// goes when a table is dropped.
    public mutating func addPartitions(of schema: PostgresSchema) {
        for t in schema.tables {
            for p in t.partitions { owners[CatalogObject(.relation, p.name.description)] = CatalogObject(.relation, t.name.description) }
        }
    }

    /// The object and all that owns it, nearest first.
    func ownerChain(_ object: CatalogObject) -> [CatalogObject] {
        var chain = [object], seen: Set<CatalogObject> = [object]
        while let owner = owners[chain[chain.count - 1]], seen.insert(owner).inserted { chain.append(owner) }
        return chain
    }
}

extension PostgresInspector {
    /// The normal dependencies between user objects, in one query, and the
    /// default privileges; without `graph`, the default privileges only.
    public static func dependencies(_ db: CatalogReader, schemas: [String], graph: Bool = true) throws -> ServerDependencies {
        var out = ServerDependencies()
        out.defaultGrantees = try db.query(defaultPrivilegesQuery, []).map {
            ServerDependencies.DefaultGrantee(schema: $0[0], objectType: $0[1] ?? "", role: $0[2] ?? "PUBLIC")
        }
        guard graph else { return out }
        func object(_ kind: String?, _ name: String?) -> CatalogObject? {
            guard let kind, let name, let k = CatalogObject.Kind(rawValue: kind) else { return nil }
            return CatalogObject(k, name)
        }
        for row in try db.query(dependencyQuery, [arrayLiteral(schemas)]) {
            guard let dependent = object(row[0], row[1]), let referenced = object(row[4], row[5]) else { continue }
            if dependent == referenced { continue }
            out.edges.append(ServerDependencies.Edge(dependent: dependent, referenced: referenced))
            if let owner = object(row[2], row[3]) { out.owners[dependent] = owner }
            if let owner = object(row[6], row[7]) { out.owners[referenced] = owner }
            if let definition = row[8] { out.foreignKeys[dependent] = definition }
            if row[9] == "f" { out.unmanaged.insert(dependent) }
            if row[10] == "t" { out.partitioned.insert(dependent) }
        }
        return out
    }

    static let defaultPrivilegesQuery = """
        SELECT n.nspname, d.defaclobjtype::text, r.rolname
          FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
          CROSS JOIN LATERAL aclexplode(d.defaclacl) a LEFT JOIN pg_roles r ON r.oid = a.grantee
         WHERE d.defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user) AND a.grantee <> d.defaclrole
           AND d.defaclobjtype IN ('r', 'S')
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """

    /// Each side of a `pg_depend` row named as `CatalogObject` does, with its
    /// owner: `kind, name, owner kind, owner name`. A table's row type is the
    /// table; an array type is its element; a view's rule is the view.
    static let dependencyQuery = """
        WITH nsp AS (SELECT oid, nspname FROM pg_namespace WHERE nspname !~ '^pg_' AND nspname <> 'information_schema'),
        -- The normal dependencies; and a key of a partition on the index of its parent that the key's own index is attached
        -- to: dropping the parent's index would take the key's index with it, which the server refuses.
        dep AS (
            SELECT classid, objid, objsubid, refclassid, refobjid, refobjsubid FROM pg_depend WHERE deptype = 'n'
            UNION ALL
            SELECT 'pg_constraint'::regclass, k.oid, 0, d.refclassid, d.refobjid, d.refobjsubid
              FROM pg_depend d JOIN pg_index x ON x.indexrelid = d.objid
              JOIN pg_constraint k ON k.conindid = d.objid AND k.conrelid = x.indrelid
             WHERE d.deptype = 'P' AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass
        ),
        obj AS (
            -- An index belongs to the key it backs (dropped with it), else to its table.
            SELECT 'pg_class'::regclass AS classid, c.oid AS objid, 0 AS subid, 'relation' AS kind, n.nspname || '.' || c.relname AS name,
                   CASE WHEN k.oid IS NOT NULL THEN 'constraint' WHEN x.indrelid IS NOT NULL THEN 'relation' END AS owner_kind,
                   tn.nspname || '.' || t.relname || coalesce('.' || k.conname, '') AS owner_name,
                   n.nspname AS schema
              FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
              LEFT JOIN pg_index x ON x.indexrelid = c.oid
              LEFT JOIN pg_class t ON t.oid = x.indrelid LEFT JOIN pg_namespace tn ON tn.oid = t.relnamespace
              LEFT JOIN pg_constraint k ON k.conindid = c.oid AND k.contype IN ('p', 'u', 'x') AND k.conrelid = x.indrelid
             WHERE c.relkind NOT IN ('c', 't')
            UNION ALL
            SELECT 'pg_class'::regclass, c.oid, a.attnum, 'column', n.nspname || '.' || c.relname || '.' || a.attname,
                   'relation', n.nspname || '.' || c.relname, n.nspname
              FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
            UNION ALL
            SELECT 'pg_proc'::regclass, p.oid, 0, 'function', n.nspname || '.' || p.proname, NULL, NULL, n.nspname
              FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
            UNION ALL
            SELECT 'pg_type'::regclass, t.oid, 0,
                   CASE WHEN r.oid IS NOT NULL THEN 'relation' ELSE 'type' END,
                   coalesce(rn.nspname || '.' || r.relname, n.nspname || '.' || coalesce(e.typname, t.typname)), NULL, NULL, n.nspname
              FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
              LEFT JOIN pg_type e ON e.oid = t.typelem AND t.typcategory = 'A'
              LEFT JOIN pg_class r ON r.oid = coalesce(e.typrelid, t.typrelid) AND r.relkind <> 'c'
              LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
            UNION ALL
            SELECT 'pg_constraint'::regclass, k.oid, 0,
                   CASE WHEN k.conrelid <> 0 THEN 'constraint' ELSE 'type' END,
                   CASE WHEN k.conrelid <> 0 THEN n.nspname || '.' || c.relname || '.' || k.conname ELSE n.nspname || '.' || d.typname END,
                   CASE WHEN k.conrelid <> 0 THEN 'relation' END, CASE WHEN k.conrelid <> 0 THEN n.nspname || '.' || c.relname END, n.nspname
              FROM pg_constraint k JOIN nsp n ON n.oid = k.connamespace
              LEFT JOIN pg_class c ON c.oid = k.conrelid LEFT JOIN pg_type d ON d.oid = k.contypid
            UNION ALL
            SELECT 'pg_trigger'::regclass, g.oid, 0, 'trigger', n.nspname || '.' || c.relname || '.' || g.tgname,
                   'relation', n.nspname || '.' || c.relname, n.nspname
              FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid JOIN nsp n ON n.oid = c.relnamespace WHERE NOT g.tgisinternal
            UNION ALL
            SELECT 'pg_policy'::regclass, p.oid, 0, 'policy', n.nspname || '.' || c.relname || '.' || p.polname,
                   'relation', n.nspname || '.' || c.relname, n.nspname
              FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN nsp n ON n.oid = c.relnamespace
            UNION ALL
            SELECT 'pg_rewrite'::regclass, w.oid, 0, 'relation', n.nspname || '.' || c.relname, NULL, NULL, n.nspname
              FROM pg_rewrite w JOIN pg_class c ON c.oid = w.ev_class JOIN nsp n ON n.oid = c.relnamespace
            UNION ALL
            SELECT 'pg_attrdef'::regclass, d.oid, 0, 'default', n.nspname || '.' || c.relname || '.' || a.attname,
                   'relation', n.nspname || '.' || c.relname, n.nspname
              FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid JOIN nsp n ON n.oid = c.relnamespace
              JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
        )
        SELECT a.kind, a.name, a.owner_kind, a.owner_name, b.kind, b.name, b.owner_kind, b.owner_name,
               CASE WHEN dep.classid = 'pg_constraint'::regclass THEN
                    (SELECT pg_get_constraintdef(k.oid) FROM pg_constraint k WHERE k.oid = dep.objid AND k.contype = 'f') END,
               a.schema = ANY($1::text[])
              AND NOT (dep.classid = 'pg_proc'::regclass AND EXISTS (SELECT 1 FROM pg_proc p WHERE p.oid = dep.objid AND p.prokind NOT IN ('f', 'p'))),
               CASE WHEN dep.classid = 'pg_constraint'::regclass THEN
                    (SELECT c.relkind = 'p' FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE k.oid = dep.objid) END
          FROM dep
          JOIN obj a ON a.classid = dep.classid AND a.objid = dep.objid AND a.subid = dep.objsubid
          JOIN obj b ON b.classid = dep.refclassid AND b.objid = dep.refobjid AND b.subid = dep.refobjsubid
         WHERE b.schema = ANY($1::text[])
           -- A key a partition inherits goes with its parent's.
           AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE dep.classid = 'pg_constraint'::regclass AND k.oid = dep.objid AND k.coninhcount > 0)
           AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.deptype = 'e' AND e.classid = dep.classid AND e.objid = dep.objid)
         ORDER BY 1, 2, 5, 6
        """
}
