import SchemacPostgres
import SchemacPostgresDriver

// The libpq driver serves the inspector as its catalog reader.
extension PostgresConnection: CatalogReader {}
extension PostgresConnection: CatalogSession {}
