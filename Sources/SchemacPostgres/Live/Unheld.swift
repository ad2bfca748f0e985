import SchemacModel

/// An object of a live database that the model does not hold, or a detail of
/// one it holds that it leaves out: what `schemac pull` must name rather
/// than lose.
public struct UnheldObject: Hashable, Sendable {
    public var kind: String
    public var schema: String
    /// The object, qualified: `public.orders.no_overlap`.
    public var name: String
    public var detail: String
}

extension UnheldObject: CompactCodable {
    public func encode(to e: inout CompactEncoder) { e.write(kind); e.write(schema); e.write(name); e.write(detail) }
    public init(from d: inout CompactDecoder) throws {
        self.init(kind: try d.read(), schema: try d.read(), name: try d.read(), detail: try d.read())
    }
}

extension PostgresInspector {
    /// The kinds `unheld(_:schemas:)` looks for, as the closing note and the
    /// README list them.
    public static let unheldKinds = [
        "composite type", "range type", "base type", "rule", "event trigger", "publication", "subscription",
        "constraint trigger", "column grant", "aggregate", "foreign table", "inheritance",
        "unlogged table", "table storage parameter", "collation", "column collation", "statistics object", "foreign server",
        "trigger on a view", "constraint not valid", "initially immediate foreign key",
        "foreign key match full", "deferrable key", "trigger columns", "trigger transition tables", "disabled trigger",
        "replica identity", "grant to public", "grant option", "function grant", "schema grant", "function setting",
        "comment", "sub-partitioned partition", "partition key expression", "index storage parameter", "identity options",
        "partition index", "typed table", "partition constraint", "partition trigger", "partition policy",
        "partition row level security", "partition index name", "invalid index", "extension schema", "function signature", "index collation", "partition column", "default privileges",
    ]

    /// Every object of `schemas` (and of the database as a whole) that the
    /// inspector does not read into the model, one row each. Objects that
    /// belong to extensions are not listed: the extension makes them.
    ///
    /// `kinds`: only those (a diff asks for the whole objects it leaves
    /// alone): the server then plans and runs only their parts of the query,
    /// a twentieth of its time on a thousand tables.
    public static func unheld(_ db: CatalogReader, schemas: [String], kinds: Set<String>? = nil) throws -> [UnheldObject] {
        let rows = try kinds.map { kinds in
            // A filter without columns on a UNION ALL reaches each branch as a constant: the branches of other kinds are never run.
            try db.query("SELECT * FROM (\(unheldQuery)) unheld(kind, schema, name, detail) WHERE kind = ANY($2::text[]) ORDER BY 2, 3, 1",
                         [arrayLiteral(schemas), arrayLiteral(kinds.sorted())])
        } ?? db.query(unheldQuery, [arrayLiteral(schemas)])
        return rows.compactMap {
            let object = UnheldObject(kind: $0[0] ?? "", schema: $0[1] ?? "", name: $0[2] ?? "", detail: $0[3] ?? "")
            return object.kind == "partition index name" ? renamedPartitionIndex(object) : object
        }
    }

    /// An index of a partition made for its parent's index is named by the
    /// server (`<partition>_<columns>_idx`); one named otherwise is a name
    /// the definitions cannot keep.
    static func renamedPartitionIndex(_ row: UnheldObject) -> UnheldObject? {
        let parts = row.detail.split(separator: "\u{1}", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3 else { return row }
        let name = String(row.name.dropFirst(row.schema.count + 1))
        let derived = Identifier.derived(parts[0], parts[2] == "pkey" ? nil : parts[1], label: parts[2])
        if name == derived || name.hasPrefix(derived) && name.dropFirst(derived.count).allSatisfy(\.isNumber) { return nil }
        return UnheldObject(kind: row.kind, schema: row.schema, name: row.name,
                            detail: "an index of partition \(parts[0]) takes the name the server gives it, \(derived)")
    }

    static let unheldQuery = """
        WITH nsp AS (SELECT oid, nspname FROM pg_namespace WHERE nspname = ANY($1::text[])),
        ext AS (SELECT classid, objid FROM pg_depend WHERE deptype = 'e'),
        rel AS (SELECT c.*, n.nspname FROM pg_class c JOIN nsp n ON n.oid = c.relnamespace
                 WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_class'::regclass AND ext.objid = c.oid)),
        typ AS (SELECT t.*, n.nspname FROM pg_type t JOIN nsp n ON n.oid = t.typnamespace
                 WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_type'::regclass AND ext.objid = t.oid)),
        fun AS (SELECT p.*, n.nspname FROM pg_proc p JOIN nsp n ON n.oid = p.pronamespace
                 WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_proc'::regclass AND ext.objid = p.oid))
        SELECT 'composite type', t.nspname, t.nspname || '.' || t.typname, '' FROM typ t JOIN pg_class c ON c.oid = t.typrelid
         WHERE t.typtype = 'c' AND c.relkind = 'c'
        UNION ALL SELECT 'range type', nspname, nspname || '.' || typname, '' FROM typ WHERE typtype IN ('r', 'm')
          AND NOT EXISTS (SELECT 1 FROM pg_range r WHERE r.rngmultitypid = typ.oid)
        UNION ALL SELECT 'base type', nspname, nspname || '.' || typname, '' FROM typ WHERE typtype = 'b' AND typcategory <> 'A'
        UNION ALL SELECT 'identity options', r.nspname, r.nspname || '.' || r.relname || '.' || a.attname,
               'start ' || q.seqstart || ', increment ' || q.seqincrement
          FROM rel r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attidentity <> ''
          JOIN pg_depend d ON d.refobjid = r.oid AND d.refobjsubid = a.attnum AND d.deptype = 'i' AND d.classid = 'pg_class'::regclass
          JOIN pg_sequence q ON q.seqrelid = d.objid
         WHERE q.seqstart <> 1 OR q.seqincrement <> 1 OR q.seqcycle OR q.seqcache <> 1
            OR q.seqmin <> 1 OR q.seqmax NOT IN (32767, 2147483647, 9223372036854775807)
        UNION ALL SELECT 'rule', r.nspname, r.nspname || '.' || r.relname || '.' || w.rulename, ''
          FROM pg_rewrite w JOIN rel r ON r.oid = w.ev_class WHERE w.rulename <> '_RETURN'
        UNION ALL SELECT 'event trigger', '', evtname, evtevent FROM pg_event_trigger
         WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_event_trigger'::regclass AND ext.objid = pg_event_trigger.oid)
        UNION ALL SELECT 'publication', '', pubname, '' FROM pg_publication
        UNION ALL SELECT 'subscription', '', subname, '' FROM pg_subscription WHERE subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        UNION ALL SELECT 'foreign server', '', srvname, '' FROM pg_foreign_server
         WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_foreign_server'::regclass AND ext.objid = pg_foreign_server.oid)
        UNION ALL SELECT 'constraint trigger', r.nspname, r.nspname || '.' || r.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
          FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid WHERE con.contype = 't' AND con.conislocal
        UNION ALL SELECT 'constraint not valid', r.nspname, r.nspname || '.' || r.relname || '.' || con.conname, 'written as valid'
          FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid WHERE NOT con.convalidated AND con.conislocal
        UNION ALL SELECT 'initially immediate foreign key', r.nspname, r.nspname || '.' || r.relname || '.' || con.conname,
               'deferrable is written as DEFERRABLE INITIALLY DEFERRED'
          FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid WHERE con.contype = 'f' AND con.condeferrable AND NOT con.condeferred AND con.conislocal
        UNION ALL SELECT 'default privileges', coalesce(n.nspname, 'public'),
               coalesce(n.nspname, 'every schema') || ' for role ' || pg_get_userbyid(d.defaclrole),
               CASE d.defaclobjtype WHEN 'r' THEN 'tables' WHEN 'S' THEN 'sequences' WHEN 'f' THEN 'functions' WHEN 'T' THEN 'types'
                    ELSE 'schemas' END || ': ' || array_to_string(d.defaclacl, ', ')
               || ' (a plan takes back what they give a table, view or sequence it creates, so that the definitions'' grants hold)'
          FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace
         WHERE d.defaclnamespace = 0 OR n.nspname = ANY($1::text[])
        UNION ALL SELECT 'index collation', r.nspname, r.nspname || '.' || ic.relname, 'a key in a collation other than its column''s'
          FROM pg_index i JOIN rel r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE EXISTS (SELECT 1 FROM unnest(i.indcollation::oid[], i.indkey::int2[]) u(coll, attnum)
                         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum
                        WHERE u.coll <> 0 AND u.coll <> a.attcollation)
        UNION ALL SELECT 'partition column', r.nspname, r.nspname || '.' || r.relname || '.' || a.attname,
               'its default or NOT NULL is its own, not its parent''s'
          FROM rel r JOIN pg_inherits h ON h.inhrelid = r.oid
          JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
          JOIN pg_attribute pa ON pa.attrelid = h.inhparent AND pa.attname = a.attname
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          LEFT JOIN pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
         WHERE r.relispartition AND (a.attnotnull <> pa.attnotnull
                OR pg_get_expr(d.adbin, d.adrelid) IS DISTINCT FROM pg_get_expr(pd.adbin, pd.adrelid))
        UNION ALL SELECT 'deferrable key', r.nspname, r.nspname || '.' || r.relname || '.' || con.conname, 'written as not deferrable'
          FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid WHERE con.condeferrable AND con.contype IN ('p', 'u') AND con.conislocal
        UNION ALL SELECT 'foreign key match full', r.nspname, r.nspname || '.' || r.relname || '.' || con.conname, 'written as MATCH SIMPLE'
          FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid WHERE con.contype = 'f' AND con.confmatchtype = 'f' AND con.conislocal
        UNION ALL SELECT 'column grant', r.nspname, r.nspname || '.' || r.relname || '.' || a.attname, a.attacl::text
          FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped
        UNION ALL SELECT 'grant to public', r.nspname, r.nspname || '.' || r.relname, x
          FROM rel r, unnest(r.relacl::text[]) x WHERE r.relkind IN ('r', 'p', 'v', 'm') AND x LIKE '=%'
        UNION ALL SELECT 'grant option', r.nspname, r.nspname || '.' || r.relname, x
          FROM rel r, unnest(r.relacl::text[]) x WHERE r.relkind IN ('r', 'p', 'v', 'm') AND x LIKE '%*%'
        UNION ALL SELECT 'grant on another kind', r.nspname, r.nspname || '.' || r.relname, x
          FROM rel r, unnest(r.relacl::text[]) x WHERE r.relkind = 'S'
        UNION ALL SELECT 'function grant', f.nspname, f.nspname || '.' || f.proname || '(' || pg_get_function_identity_arguments(f.oid) || ')', x
          FROM fun f, unnest(f.proacl::text[]) x WHERE f.proacl IS NOT NULL
           AND x NOT LIKE (SELECT quote_ident(rolname) FROM pg_roles WHERE oid = f.proowner) || '=%'
           AND x NOT LIKE (SELECT rolname FROM pg_roles WHERE oid = f.proowner) || '=%' AND x NOT LIKE '=X/%'
        UNION ALL SELECT 'schema grant', n.nspname, n.nspname, x
          FROM pg_namespace n JOIN nsp ON nsp.oid = n.oid, unnest(n.nspacl::text[]) x
         WHERE n.nspname <> 'public' AND x NOT LIKE (SELECT rolname FROM pg_roles WHERE oid = n.nspowner) || '=%'
        UNION ALL SELECT CASE f.prokind WHEN 'a' THEN 'aggregate' ELSE 'window function' END,
               f.nspname, f.nspname || '.' || f.proname || '(' || pg_get_function_identity_arguments(f.oid) || ')', ''
          FROM fun f WHERE f.prokind IN ('a', 'w')
        UNION ALL SELECT 'function signature', f.nspname, f.nspname || '.' || f.proname || '(' || pg_get_function_identity_arguments(f.oid) || ')',
               'its arguments or result name ' || string_agg(DISTINCT format_type(t.oid, NULL), ', ')
               || ', which the definitions create after their functions; the function was not written'
          FROM fun f
          JOIN pg_type t ON t.oid = ANY (array_append(coalesce(f.proallargtypes, f.proargtypes::oid[]), f.prorettype))
          LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
         WHERE f.prokind = 'f' AND coalesce(et.typtype, t.typtype) IN ('c', 'd', 'r', 'm')
         GROUP BY f.oid, f.nspname, f.proname
        UNION ALL SELECT 'foreign table', nspname, nspname || '.' || relname, '' FROM rel WHERE relkind = 'f'
        UNION ALL SELECT 'typed table', nspname, nspname || '.' || relname, format_type(reloftype, NULL) FROM rel WHERE reloftype <> 0
        UNION ALL SELECT 'inheritance', r.nspname, r.nspname || '.' || r.relname, 'inherits ' || p.relname
          FROM pg_inherits i JOIN rel r ON r.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent WHERE NOT r.relispartition
        UNION ALL SELECT 'sub-partitioned partition', r.nspname, r.nspname || '.' || r.relname, pg_get_partkeydef(r.oid)
          FROM rel r WHERE r.relispartition AND r.relkind = 'p'
        UNION ALL SELECT 'partition key expression', r.nspname, r.nspname || '.' || r.relname, pg_get_partkeydef(r.oid)
          FROM rel r JOIN pg_partitioned_table pt ON pt.partrelid = r.oid WHERE 0 = ANY(pt.partattrs::int2[]) AND NOT r.relispartition
        UNION ALL SELECT 'unlogged table', nspname, nspname || '.' || relname, '' FROM rel WHERE relpersistence = 'u' AND relkind IN ('r', 'p')
        UNION ALL SELECT 'table storage parameter', nspname, nspname || '.' || relname, array_to_string(reloptions, ', ')
          FROM rel WHERE relkind IN ('r', 'p', 'm') AND reloptions IS NOT NULL
        UNION ALL SELECT 'index storage parameter', r.nspname, r.nspname || '.' || ic.relname, array_to_string(ic.reloptions, ', ')
          FROM pg_index i JOIN rel r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid WHERE ic.reloptions IS NOT NULL
        UNION ALL SELECT 'replica identity', nspname, nspname || '.' || relname, relreplident::text
          FROM rel WHERE relkind IN ('r', 'p') AND relreplident NOT IN ('d') AND NOT relispartition
        UNION ALL SELECT 'collation', n.nspname, n.nspname || '.' || c.collname, ''
          FROM pg_collation c JOIN nsp n ON n.oid = c.collnamespace
         WHERE NOT EXISTS (SELECT 1 FROM ext WHERE ext.classid = 'pg_collation'::regclass AND ext.objid = c.oid)
        UNION ALL SELECT 'column collation', r.nspname, r.nspname || '.' || r.relname || '.' || a.attname, co.collname
          FROM pg_attribute a JOIN rel r ON r.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid JOIN pg_collation co ON co.oid = a.attcollation
         WHERE a.attcollation NOT IN (0, 100) AND a.attnum > 0 AND NOT a.attisdropped AND a.attcollation <> t.typcollation
           AND r.relkind IN ('r', 'p') AND NOT r.relispartition
        UNION ALL SELECT 'statistics object', n.nspname, n.nspname || '.' || s.stxname, ''
          FROM pg_statistic_ext s JOIN nsp n ON n.oid = s.stxnamespace
        UNION ALL SELECT 'trigger on a view', r.nspname, r.nspname || '.' || r.relname || '.' || t.tgname, ''
          FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE r.relkind IN ('v', 'm', 'f') AND NOT t.tgisinternal
        UNION ALL SELECT CASE WHEN cardinality(t.tgattr::int2[]) > 0 THEN 'trigger columns' WHEN t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL
                              THEN 'trigger transition tables' ELSE 'disabled trigger' END,
               r.nspname, r.nspname || '.' || r.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
          FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid
         WHERE r.relkind IN ('r', 'p') AND NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgconstraint = 0
           AND (cardinality(t.tgattr::int2[]) > 0 OR t.tgoldtable IS NOT NULL OR t.tgnewtable IS NOT NULL OR t.tgenabled <> 'O')
        UNION ALL SELECT 'partition constraint', r.nspname, r.nspname || '.' || r.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
          FROM pg_constraint con JOIN rel r ON r.oid = con.conrelid
         WHERE r.relispartition AND con.conislocal AND con.conparentid = 0 AND con.contype IN ('p', 'u', 'f', 'c')
        UNION ALL SELECT 'partition trigger', r.nspname, r.nspname || '.' || r.relname || '.' || t.tgname, pg_get_triggerdef(t.oid)
          FROM pg_trigger t JOIN rel r ON r.oid = t.tgrelid WHERE r.relispartition AND NOT t.tgisinternal AND t.tgparentid = 0
        UNION ALL SELECT 'partition policy', r.nspname, r.nspname || '.' || r.relname || '.' || p.polname, ''
          FROM pg_policy p JOIN rel r ON r.oid = p.polrelid WHERE r.relispartition
        UNION ALL SELECT 'partition row level security', nspname, nspname || '.' || relname, ''
          FROM rel WHERE relispartition AND (relrowsecurity OR relforcerowsecurity)
        UNION ALL SELECT 'partition index name', r.nspname, r.nspname || '.' || ic.relname,
               r.relname || E'\\x01' || coalesce((SELECT string_agg(coalesce(a.attname, 'expr'), '_' ORDER BY k.i)
                                           FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, i)
                                           LEFT JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum = k.n
                                          WHERE k.i <= i.indnkeyatts), '')
               || E'\\x01' || coalesce((SELECT CASE k.contype WHEN 'p' THEN 'pkey' ELSE 'key' END FROM pg_constraint k
                                         WHERE k.conindid = i.indexrelid AND k.contype IN ('p', 'u') LIMIT 1), 'idx')
          FROM pg_index i JOIN rel r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid WHERE ic.relispartition
        UNION ALL SELECT 'invalid index', r.nspname, r.nspname || '.' || ic.relname, 'written as a valid index'
          FROM pg_index i JOIN rel r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid WHERE NOT i.indisvalid
        UNION ALL SELECT 'extension schema', n.nspname, n.nspname,
               'it holds extension ' || e.extname || ', which the definitions install without a schema (in the default one)'
          FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE n.nspname NOT IN ('public', 'pg_catalog')
        UNION ALL SELECT 'partition index', r.nspname, r.nspname || '.' || ic.relname, 'on partition ' || r.relname
          FROM pg_index i JOIN rel r ON r.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
         WHERE r.relispartition AND NOT ic.relispartition
        UNION ALL SELECT 'comment', n.nspname, n.nspname || CASE d.classoid WHEN 'pg_namespace'::regclass THEN ''
                      ELSE '.' || coalesce((SELECT conname FROM pg_constraint WHERE oid = d.objoid), (SELECT tgname FROM pg_trigger WHERE oid = d.objoid),
                                           (SELECT polname FROM pg_policy WHERE oid = d.objoid), '') END, d.description
          FROM pg_description d JOIN nsp n ON d.classoid IN ('pg_constraint'::regclass, 'pg_trigger'::regclass, 'pg_policy'::regclass, 'pg_namespace'::regclass)
           AND n.oid = CASE d.classoid WHEN 'pg_namespace'::regclass THEN d.objoid
                           WHEN 'pg_constraint'::regclass THEN (SELECT connamespace FROM pg_constraint WHERE oid = d.objoid)
                           WHEN 'pg_trigger'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid = (SELECT tgrelid FROM pg_trigger WHERE oid = d.objoid))
                           ELSE (SELECT relnamespace FROM pg_class WHERE oid = (SELECT polrelid FROM pg_policy WHERE oid = d.objoid)) END
         WHERE NOT (d.classoid = 'pg_namespace'::regclass AND n.nspname = 'public' AND d.description = 'standard public schema')
        ORDER BY 2, 3, 1
        """
}
